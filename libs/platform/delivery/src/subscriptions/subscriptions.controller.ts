import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { zodBody } from '@hub/http';
import {
  createSubscriptionBody,
  type CreateSubscriptionBody,
  updateSubscriptionBody,
  type UpdateSubscriptionBody,
} from './subscription.schemas';
import { SubscriptionsService, type SubscriptionView } from './subscriptions.service';

/** `GET|POST .../installations/:id/subscriptions`, `GET|PATCH|DELETE .../subscriptions/:sid` (API.md). */
@ApiTags('subscriptions')
@Controller('api/v1/workspaces/:ws')
export class SubscriptionsController {
  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get('installations/:id/subscriptions')
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string, @Query() query: Record<string, unknown>) {
    await this.access.require(p, ws, 'read');
    return this.subscriptions.list(ws, id, query);
  }

  @Post('installations/:id/subscriptions')
  async create(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('id') id: string,
    @Body(zodBody(createSubscriptionBody)) body: CreateSubscriptionBody,
  ): Promise<SubscriptionView> {
    await this.access.require(p, ws, 'write');
    return this.subscriptions.create(ws, id, body);
  }

  @Get('subscriptions/:sid')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('sid') sid: string): Promise<SubscriptionView> {
    await this.access.require(p, ws, 'read');
    return this.subscriptions.get(ws, sid);
  }

  @Patch('subscriptions/:sid')
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('sid') sid: string,
    @Body(zodBody(updateSubscriptionBody)) body: UpdateSubscriptionBody,
  ): Promise<SubscriptionView> {
    await this.access.require(p, ws, 'write');
    return this.subscriptions.update(ws, sid, body);
  }

  @Delete('subscriptions/:sid')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('sid') sid: string): Promise<void> {
    await this.access.require(p, ws, 'write');
    await this.subscriptions.remove(ws, sid);
  }
}
