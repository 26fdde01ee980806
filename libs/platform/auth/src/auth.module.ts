import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AdminUserEntity, ApiTokenEntity, WorkspaceEntity, WorkspaceMemberEntity } from '@hub/persistence';
import { AuthController } from './controllers/auth.controller';
import { MembersController } from './controllers/members.controller';
import { TokensController } from './controllers/tokens.controller';
import { UsersController } from './controllers/users.controller';
import { WorkspacesController } from './controllers/workspaces.controller';
import { BearerAuthGuard } from './guards/bearer-auth.guard';
import { BearerStrategy } from './guards/bearer.strategy';
import { LocalAuthGuard, LoginBodyGuard } from './guards/local-auth.guard';
import { LocalStrategy } from './guards/local.strategy';
import { MembersService } from './members/members.service';
import { TokensService } from './tokens/tokens.service';
import { AdminUsersService } from './users/admin-users.service';
import { LoginAuditService } from './users/login-audit.service';
import { WorkspaceAccessService } from './workspaces/workspace-access.service';
import { WorkspacesService } from './workspaces/workspaces.service';

/**
 * Admin auth, API tokens, workspaces and members for the admin app. Global, so every feature
 * module can inject WorkspaceAccessService. Installs the bearer guard for the whole app: every
 * route needs a token unless marked @Public(). Needs HubConfigModule and PersistenceModule.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AdminUserEntity, ApiTokenEntity, WorkspaceEntity, WorkspaceMemberEntity])],
  controllers: [AuthController, TokensController, WorkspacesController, MembersController, UsersController],
  providers: [
    AdminUsersService,
    LoginAuditService,
    TokensService,
    WorkspaceAccessService,
    WorkspacesService,
    MembersService,
    BearerStrategy,
    LocalStrategy,
    LoginBodyGuard,
    LocalAuthGuard,
    { provide: APP_GUARD, useClass: BearerAuthGuard },
  ],
  exports: [AdminUsersService, TokensService, WorkspaceAccessService],
})
export class AuthModule {}
