import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { ApiError } from '@hub/http';
import { isUuid } from '../ids';
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
    if (!isUuid(ws)) throw ApiError.notFound('Workspace');
    await this.access.require(p, ws, 'owner');
    return this.audit.list(ws, query);
  }
}
