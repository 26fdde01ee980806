import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { parseWith } from '../profiles.exception';
import { AccountsService } from './accounts.service';
import { accountsQuery } from './profiles.schemas';

@ApiTags('profiles')
@Controller('api/v1/workspaces/:ws/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    // Access first: another workspace answers 404 before anything about the query is said.
    await this.access.require(p, ws, 'read');
    return this.accounts.list(ws, parseWith(accountsQuery, query, 'Query'));
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string) {
    await this.access.require(p, ws, 'read');
    return this.accounts.get(ws, id);
  }
}
