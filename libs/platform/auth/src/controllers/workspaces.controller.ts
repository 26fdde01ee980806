import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { zodBody } from '@hub/http';
import { AuthErrors } from '../auth.exception';
import {
  createWorkspaceBody,
  type CreateWorkspaceBody,
  openApiSchema,
  updateWorkspaceBody,
  type UpdateWorkspaceBody,
} from '../auth.schemas';
import { readPage } from '../paging';
import { CurrentPrincipal, type Principal } from '../principal';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import { type WorkspaceView, WorkspacesService } from '../workspaces/workspaces.service';

@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('api/v1/workspaces')
export class WorkspacesController {
  constructor(
    private readonly workspaces: WorkspacesService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The workspaces the caller is a member of (instance admins included), paginated' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: Record<string, unknown>): Promise<{ items: WorkspaceView[]; nextCursor: string | null }> {
    return this.workspaces.list(principal, readPage(query));
  }

  @Post()
  @ApiOperation({ summary: 'Create a workspace; the caller becomes its owner. The slug is derived from the name when absent' })
  @ApiBody({ schema: openApiSchema(createWorkspaceBody) })
  create(@CurrentPrincipal() principal: Principal, @Body(zodBody(createWorkspaceBody)) body: CreateWorkspaceBody): Promise<WorkspaceView> {
    // A token limited to some workspaces could not see the new one, and a read-only token must
    // not create things: both are refused rather than minting access outside their scope.
    if (principal.tokenWorkspaceIds) throw AuthErrors.tokenScope('This token is limited to some workspaces and cannot create workspaces');
    if (principal.tokenRole === 'viewer') throw AuthErrors.forbiddenRole('write');
    return this.workspaces.create(principal, body);
  }

  @Get(':ws')
  @ApiOperation({ summary: 'One workspace (404 when it does not exist or the caller is not a member)' })
  async get(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string): Promise<WorkspaceView> {
    await this.access.require(principal, ws, 'read');
    return this.workspaces.get(principal, ws.toLowerCase());
  }

  @Patch(':ws')
  @ApiOperation({ summary: 'Rename a workspace or change its slug (admin or owner)' })
  @ApiBody({ schema: openApiSchema(updateWorkspaceBody) })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('ws') ws: string,
    @Body(zodBody(updateWorkspaceBody)) body: UpdateWorkspaceBody,
  ): Promise<WorkspaceView> {
    await this.access.require(principal, ws, 'write');
    return this.workspaces.update(principal, ws.toLowerCase(), body);
  }

  @Delete(':ws')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a workspace and everything in it (owner)' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string): Promise<void> {
    await this.access.require(principal, ws, 'owner');
    await this.workspaces.remove(ws.toLowerCase());
  }
}
