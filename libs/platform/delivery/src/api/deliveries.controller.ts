import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import type { DeliveryView } from '../ledger/delivery-row';
import { DeliveriesQuery } from './deliveries-query.service';

/** `GET .../deliveries?installationId=&status=` and `GET .../deliveries/:id` (API.md). */
@ApiTags('deliveries')
@Controller('api/v1/workspaces/:ws/deliveries')
export class DeliveriesController {
  constructor(
    private readonly deliveries: DeliveriesQuery,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.deliveries.list(ws, query);
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<DeliveryView> {
    await this.access.require(p, ws, 'read');
    return this.deliveries.get(ws, id);
  }
}
