import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Need, type Principal, WorkspaceAccessService } from '@hub/auth';
import { zodBody } from '@hub/http';
import type { CredentialView } from './credential-view';
import { createCredentialBody, type CreateCredentialBody } from './credentials.schemas';
import { CredentialsService } from './credentials.service';

/** Credentials of a workspace: masked views only. Reads need 'read'; create and delete 'write'. */
@ApiTags('credentials')
@Controller('api/v1/workspaces/:ws/credentials')
export class CredentialsController {
  constructor(
    private readonly credentials: CredentialsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Query() query: Record<string, unknown>) {
    await this.allow(p, ws, 'read');
    return this.credentials.list(ws, query);
  }

  @Post()
  async create(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Body(zodBody(createCredentialBody)) body: CreateCredentialBody,
  ): Promise<CredentialView> {
    await this.allow(p, ws, 'write');
    return this.credentials.create(ws, body, p.userId);
  }

  @Get(':id')
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<CredentialView> {
    await this.allow(p, ws, 'read');
    return this.credentials.get(ws, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<void> {
    await this.allow(p, ws, 'write');
    await this.credentials.remove(ws, id, p.userId);
  }

  private async allow(principal: Principal, ws: string, need: Need): Promise<void> {
    // require() answers non-UUID, missing and foreign workspaces with the same 404.
    await this.access.require(principal, ws, need);
  }
}
