import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { zodBody } from '@hub/http';
import { createTokenBody, type CreateTokenBody, openApiSchema } from '../auth.schemas';
import { readPage } from '../paging';
import { CurrentPrincipal, type Principal } from '../principal';
import { type ApiTokenView, type CreatedApiToken, TokensService } from '../tokens/tokens.service';
import { WorkspaceAccessService } from '../workspaces/workspace-access.service';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('api/v1/tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API token for scripts; the token is in this answer only',
    description:
      'workspaceIds limits the token to workspaces the caller is a member of; role caps the role it acts with. ' +
      'A token never grants more than the token that creates it.',
  })
  @ApiBody({ schema: openApiSchema(createTokenBody) })
  async create(@CurrentPrincipal() principal: Principal, @Body(zodBody(createTokenBody)) body: CreateTokenBody): Promise<CreatedApiToken> {
    if (body.workspaceIds) await this.access.requireAll(principal, body.workspaceIds);
    return this.tokens.createApiToken(principal, body);
  }

  @Get()
  @ApiOperation({ summary: "The caller's API tokens (never the token itself), paginated" })
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: ApiTokenView[]; nextCursor: string | null }> {
    return this.tokens.list(principal.userId, readPage(query));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: "Revoke one of the caller's API tokens" })
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.tokens.revokeApiToken(principal.userId, id);
  }
}
