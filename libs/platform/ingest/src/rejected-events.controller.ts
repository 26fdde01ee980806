import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { type RejectedEventView, RejectedEventsService } from './rejected-events.service';

/** `GET /api/v1/workspaces/:ws/rejected-events?installationId=&limit=&cursor=` (read). */
@ApiTags('inbound')
@Controller('api/v1/workspaces/:ws/rejected-events')
export class RejectedEventsController {
  constructor(
    private readonly rejected: RejectedEventsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: RejectedEventView[]; nextCursor: string | null }> {
    await this.access.require(p, ws, 'read');
    return this.rejected.list(ws, query);
  }
}
