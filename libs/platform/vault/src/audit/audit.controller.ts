import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { AuditService } from './audit.service';

/** The workspace's audit log, newest first; workspace owners only. */
@ApiTags('audit')
@Controller('api/v1/workspaces/:ws/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    // require() answers non-UUID, missing and foreign workspaces with the same 404.
    await this.access.require(p, ws, 'owner');
    return this.audit.list(ws, query);
  }
}
