import { Body, Controller, Get, Param, Patch, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { parseWith } from '../profiles.exception';
import { CatalogService } from './catalog.service';
import { catalogEventBody, catalogEventsQuery, catalogTraitsQuery } from './profiles.schemas';

@ApiTags('profiles')
@Controller('api/v1/workspaces/:ws/catalog')
export class CatalogController {
  constructor(
    private readonly catalog: CatalogService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get('traits')
  async traits(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.catalog.traits(ws, parseWith(catalogTraitsQuery, query, 'Query'));
  }

  @Get('events')
  async events(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.catalog.events(ws, parseWith(catalogEventsQuery, query, 'Query'));
  }

  /** `{status: tracked|ignored}`: ignored names are dropped (and counted) by the drain from its next batch. */
  @Patch('events/:name')
  async setStatus(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('name') name: string, @Body() body: unknown) {
    await this.access.require(p, ws, 'write');
    const { status } = parseWith(catalogEventBody, body, 'Request body');
    return this.catalog.setStatus(ws, name, status);
  }
}
