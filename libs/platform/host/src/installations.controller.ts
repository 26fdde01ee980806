import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Need, type Principal, WorkspaceAccessService } from '@hub/auth';
import { zodBody } from '@hub/http';
import type { CheckResult } from '@hub/sdk';
import type { InstallationView } from './installation-view';
import {
  createInstallationBody,
  type CreateInstallationBody,
  invokeActionBody,
  type InvokeActionBody,
  updateInstallationBody,
  type UpdateInstallationBody,
} from './installations.schemas';
import { InstallationsService } from './installations.service';

/** Installations of a workspace. Reads need 'read'; anything that changes or runs needs 'write'. */
@ApiTags('installations')
@Controller('api/v1/workspaces/:ws/installations')
export class InstallationsController {
  constructor(
    private readonly installations: InstallationsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.allow(p, ws, 'read');
    return this.installations.list(ws, query);
  }

  @Post()
  async create(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Body(zodBody(createInstallationBody)) body: CreateInstallationBody,
  ): Promise<InstallationView> {
    await this.allow(p, ws, 'write');
    return this.installations.create(ws, body, p.userId);
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<InstallationView> {
    await this.allow(p, ws, 'read');
    return this.installations.get(ws, id);
  }

  @Patch(':id')
  async update(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('id') id: string,
    @Body(zodBody(updateInstallationBody)) body: UpdateInstallationBody,
  ): Promise<InstallationView> {
    await this.allow(p, ws, 'write');
    return this.installations.update(ws, id, body, p.userId);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<void> {
    await this.allow(p, ws, 'write');
    await this.installations.remove(ws, id);
  }

  /** Runs the connector's check: 200 with `ok: false` and the reason when the check fails. */
  @Post(':id/check')
  @HttpCode(200)
  async check(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<CheckResult> {
    await this.allow(p, ws, 'write');
    return this.installations.check(ws, id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  async enable(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<InstallationView> {
    await this.allow(p, ws, 'write');
    return this.installations.enable(ws, id, p.userId);
  }

  @Post(':id/disable')
  @HttpCode(200)
  async disable(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<InstallationView> {
    await this.allow(p, ws, 'write');
    return this.installations.disable(ws, id, p.userId);
  }

  @Post(':id/actions/:action')
  @HttpCode(202)
  async invoke(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('id') id: string,
    @Param('action') action: string,
    @Body(zodBody(invokeActionBody)) body: InvokeActionBody,
  ): Promise<{ jobId: string } | { deliveryId: string }> {
    await this.allow(p, ws, 'write');
    return this.installations.invokeAction(ws, id, action, body);
  }

  private async allow(principal: Principal, ws: string, need: Need): Promise<void> {
    // require() answers non-UUID, missing and foreign workspaces with the same 404.
    await this.access.require(principal, ws, need);
  }
}
