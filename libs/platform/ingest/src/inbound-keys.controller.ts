import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal, WorkspaceAccessService } from '@hub/auth';
import type { InboundKeyView } from '@hub/host';
import { ApiError, zodBody } from '@hub/http';
import { z } from 'zod';
import { IngestErrorCode } from './ingest.exception';
import { DEFAULT_ROTATION_GRACE_SECONDS, InboundKeysService, MAX_ROTATION_GRACE_SECONDS } from './inbound-keys.service';
import { InboundRoutes } from './inbound-routes';

const rotateBody = z
  .object({
    graceSeconds: z.number().int().min(0).max(MAX_ROTATION_GRACE_SECONDS).default(DEFAULT_ROTATION_GRACE_SECONDS),
  })
  .strict();
type RotateBody = z.output<typeof rotateBody>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const notFound = () => ApiError.notFound('Installation', IngestErrorCode.InstallationNotFound);

/**
 * Rotation of an installation's inbound keys (`apiKey`, `writeKey`) and shared secret
 * (`sharedSecret`, issued by its first rotation). The new value is in this answer only; the
 * previous one keeps working for `graceSeconds` (default one hour, 0 to revoke at once).
 */
@ApiTags('installations')
@Controller('api/v1/workspaces/:ws/installations/:id/inbound-keys')
export class InboundKeysController {
  constructor(
    private readonly keys: InboundKeysService,
    private readonly routes: InboundRoutes,
    private readonly access: WorkspaceAccessService,
  ) {}

  @Post(':name/rotate')
  @HttpCode(200)
  async rotate(
    @CurrentPrincipal() p: Principal,
    @Param('ws') ws: string,
    @Param('id') id: string,
    @Param('name') name: string,
    @Body(zodBody(rotateBody)) body: RotateBody,
  ): Promise<InboundKeyView & { previous: { prefix: string; expiresAt: string } | null }> {
    await this.access.require(p, ws, 'write');
    if (!UUID.test(id)) throw notFound();
    const connectorId = await this.keys.connectorOf(ws, id);
    if (!connectorId) throw notFound();
    const connector = this.routes.connector(connectorId);
    if (!connector) throw notFound();
    const rotated = await this.keys.rotate(ws, id, connector, name, body.graceSeconds);
    if (rotated === null) {
      throw ApiError.notFound(`Inbound key "${name.slice(0, 40)}" of connector "${connectorId}"`, IngestErrorCode.KeyNotDeclared);
    }
    return { ...rotated.key, previous: rotated.previous };
  }
}
