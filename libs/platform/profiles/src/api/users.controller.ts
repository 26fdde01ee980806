import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { parseWith } from '../profiles.exception';
import { usersQuery } from './profiles.schemas';
import { UsersService } from './users.service';

@ApiTags('profiles')
@Controller('api/v1/workspaces/:ws/users')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.users.list(ws, parseWith(usersQuery, query, 'Query'));
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string) {
    await this.access.require(p, ws, 'read');
    return this.users.get(ws, id);
  }
}
