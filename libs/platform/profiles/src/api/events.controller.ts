import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { parseWith } from '../profiles.exception';
import { EventsService } from './events.service';
import { eventsQuery } from './profiles.schemas';

@ApiTags('profiles')
@Controller('api/v1/workspaces/:ws/events')
export class EventsController {
  constructor(
    private readonly events: EventsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.events.list(ws, parseWith(eventsQuery, query, 'Query'));
  }
}
