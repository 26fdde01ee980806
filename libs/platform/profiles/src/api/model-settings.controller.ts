import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import { modelSettingsBody, type ModelSettings } from '../model-settings';
import { parseWith } from '../profiles.exception';
import { ModelSettingsService } from './model-settings.service';

@ApiTags('profiles')
@Controller('api/v1/workspaces/:ws/model-settings')
export class ModelSettingsController {
  constructor(
    private readonly settings: ModelSettingsService,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Get()
  async get(@CurrentPrincipal() p: Principal, @Param('ws') ws: string): Promise<ModelSettings> {
    await this.access.require(p, ws, 'read');
    return this.settings.get(ws);
  }

  @Put()
  async put(@CurrentPrincipal() p: Principal, @Param('ws') ws: string, @Body() body: unknown): Promise<ModelSettings> {
    await this.access.require(p, ws, 'write');
    return this.settings.put(ws, parseWith(modelSettingsBody, body, 'Request body'));
  }
}
