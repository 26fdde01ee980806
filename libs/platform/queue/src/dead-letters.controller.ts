import { Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { DeadLettersService, type DeadLetterView } from './dead-letters.service';

@ApiTags('dead-letters')
@Controller('api/v1/workspaces/:ws/dead-letters')
export class DeadLettersController {
  constructor(
    private readonly deadLetters: DeadLettersService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('ws') ws: string,
    @Query() query: Record<string, unknown>,
  ): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    await this.allow(principal, ws, 'read');
    return this.deadLetters.list(ws, query);
  }

  @Post(':id/replay')
  @HttpCode(202)
  async replay(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<{ jobId: string }> {
    await this.allow(principal, ws, 'write');
    return this.deadLetters.replay(ws, id);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@CurrentPrincipal() principal: Principal, @Param('ws') ws: string, @Param('id') id: string): Promise<void> {
    await this.allow(principal, ws, 'write');
    await this.deadLetters.remove(ws, id);
  }

  private async allow(principal: Principal, ws: string, need: 'read' | 'write'): Promise<void> {
    // require() answers non-UUID, missing and foreign workspaces with the same 404.
    await this.access.require(principal, ws, need);
  }
}
