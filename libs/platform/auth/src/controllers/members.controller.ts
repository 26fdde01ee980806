import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { zodBody } from '@hub/http';
import { addMemberBody, type AddMemberBody, changeMemberBody, type ChangeMemberBody, openApiSchema } from '../auth.schemas';
import { type MemberView, MembersService } from '../members/members.service';
import { readPage } from '../paging';
import { CurrentPrincipal, type Principal } from '../principal';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';

/** Members of a workspace: every member may list them; only owners change them. */
@ApiTags('workspaces')
@ApiBearerAuth()
@Controller('api/v1/workspaces/:ws/members')
export class MembersController {
  constructor(
    private readonly members: MembersService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Members of the workspace with their roles, paginated' })
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('ws') ws: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: MemberView[]; nextCursor: string | null }> {
    await this.access.require(principal, ws, 'read');
    return this.members.list(ws.toLowerCase(), readPage(query));
  }

  @Post()
  @ApiOperation({ summary: 'Add an existing hub user by email (owner); 404 USER_NOT_FOUND when no user has it' })
  @ApiBody({ schema: openApiSchema(addMemberBody) })
  async add(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string, @Body(zodBody(addMemberBody)) body: AddMemberBody): Promise<MemberView> {
    await this.access.require(principal, ws, 'owner');
    return this.members.add(ws.toLowerCase(), body);
  }

  @Patch(':userId')
  @ApiOperation({ summary: "Change a member's role (owner); the last owner cannot be demoted" })
  @ApiBody({ schema: openApiSchema(changeMemberBody) })
  async change(
    @CurrentPrincipal() principal: Principal,
    @Param('ws') ws: string,
    @Param('userId') userId: string,
    @Body(zodBody(changeMemberBody)) body: ChangeMemberBody,
  ): Promise<MemberView> {
    await this.access.require(principal, ws, 'owner');
    return this.members.changeRole(ws.toLowerCase(), userId.toLowerCase(), body.role);
  }

  @Delete(':userId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member (owner); the last owner cannot be removed' })
  async remove(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string, @Param('userId') userId: string): Promise<void> {
    await this.access.require(principal, ws, 'owner');
    await this.members.remove(ws.toLowerCase(), userId.toLowerCase());
  }
}
