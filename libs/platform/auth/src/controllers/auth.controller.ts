import { Body, Controller, Get, HttpCode, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { zodBody } from '@hub/http';
import { AuthErrors } from '../auth.exception';
import { changePasswordBody, type ChangePasswordBody, loginBody, type LoginBody, openApiSchema } from '../auth.schemas';
import { LocalAuthGuard, LoginBodyGuard } from '../guards/local-auth.guard';
import type { LoggedInUser } from '../guards/local.strategy';
import { CurrentPrincipal, type Principal, Public } from '../principal';
import { TokensService } from '../tokens/tokens.service';
import { AdminUsersService } from '../users/admin-users.service';
import { LoginAuditService } from '../users/login-audit.service';
import { WorkspacesService } from '../workspaces/workspaces.service';

export interface MeView {
  id: string;
  email: string;
  isInstanceAdmin: boolean;
  workspaces: { id: string; name: string; slug: string; role: string }[];
}

@ApiTags('auth')
@Controller('api/v1')
export class AuthController {
  constructor(
    private readonly tokens: TokensService,
    private readonly workspaces: WorkspacesService,
    private readonly users: AdminUsersService,
    private readonly loginAudit: LoginAuditService,
  ) {}

  @Post('auth/login')
  @Public()
  @HttpCode(200)
  // Order matters: the body is validated (400) before passport-local checks the password (401).
  @UseGuards(LoginBodyGuard, LocalAuthGuard)
  @ApiOperation({ summary: 'Log in with email and password; answers a session bearer token' })
  @ApiBody({ schema: openApiSchema(loginBody) })
  async login(
    @Req() req: { user: LoggedInUser; ip?: string },
    // Already validated by LoginBodyGuard; declared so the body is part of the signature.
    @Body() _body: LoginBody,
  ): Promise<{ token: string; expiresAt: string }> {
    const session = await this.tokens.createSession(req.user.id);
    await this.loginAudit.record(req.user.id, req.user.email, req.ip);
    return session;
  }

  @Post('auth/logout')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: 'Revoke the token this request is made with' })
  async logout(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.tokens.revoke(principal.tokenId);
  }

  @Get('me')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller and the workspaces it can see, with its role in each' })
  async me(@CurrentPrincipal() principal: Principal): Promise<MeView> {
    const workspaces = await this.workspaces.all(principal);
    return {
      id: principal.userId,
      email: principal.email,
      isInstanceAdmin: principal.isInstanceAdmin,
      workspaces: workspaces.map(({ id, name, slug, role }) => ({ id, name, slug, role })),
    };
  }

  @Post('me/password')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiOperation({ summary: "Change the caller's password (login sessions only); ends the caller's other sessions" })
  @ApiBody({ schema: openApiSchema(changePasswordBody) })
  async changePassword(
    @CurrentPrincipal() principal: Principal,
    @Body(zodBody(changePasswordBody)) body: ChangePasswordBody,
  ): Promise<void> {
    if (principal.tokenKind !== 'session') throw AuthErrors.tokenScope('Passwords are changed from a login session, not with an API token');
    if (!(await this.users.changePassword(principal.userId, body.currentPassword, body.newPassword))) throw AuthErrors.wrongPassword();
    await this.tokens.revokeOtherSessions(principal.userId, principal.tokenId);
  }
}
