import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { zodBody } from '@hub/http';
import { AuthErrors } from '../auth.exception';
import { createUserBody, type CreateUserBody, openApiSchema } from '../auth.schemas';
import { readPage } from '../paging';
import { CurrentPrincipal, type Principal } from '../principal';
import { adminUserView, type AdminUserView, AdminUsersService } from '../users/admin-users.service';

/**
 * Hub users (people who log in). Not in API.md's first list, but members can only be added by
 * email when the user exists, so instance admins need a way to create users.
 */
@ApiTags('users')
@ApiBearerAuth()
@Controller('api/v1/users')
export class UsersController {
  constructor(private readonly users: AdminUsersService) {}

  @Post()
  @ApiOperation({ summary: 'Create a hub user who can then be added to workspaces (instance admins)' })
  @ApiBody({ schema: openApiSchema(createUserBody) })
  async create(@CurrentPrincipal() principal: Principal, @Body(zodBody(createUserBody)) body: CreateUserBody): Promise<AdminUserView> {
    requireInstanceAdmin(principal);
    return adminUserView(await this.users.create(body));
  }

  @Get()
  @ApiOperation({ summary: 'All hub users, paginated (instance admins)' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<{ items: AdminUserView[]; nextCursor: string | null }> {
    requireInstanceAdmin(principal);
    return this.users.list(readPage(query));
  }
}

/** Instance-wide power needs an unrestricted token: a limited or role-capped one is refused. */
function requireInstanceAdmin(principal: Principal): void {
  if (!principal.isInstanceAdmin) throw AuthErrors.instanceAdminRequired();
  if (principal.tokenWorkspaceIds || principal.tokenRole) {
    throw AuthErrors.tokenScope('This token is limited to some workspaces or a role and cannot manage hub users');
  }
}
