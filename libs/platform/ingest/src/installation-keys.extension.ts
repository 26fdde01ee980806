import { Injectable } from '@nestjs/common';
import type { InstallationExtension, RegisteredConnector } from '@hub/host';
import type { InstallationEntity } from '@hub/persistence';
import type { EntityManager } from 'typeorm';
import { InboundKeysService, issuedNames } from './inbound-keys.service';
import { InboundRoutes } from './inbound-routes';

/**
 * Plugs inbound keys into the host's installation API: creating an installation of a connector
 * that declares `inboundKeys` issues them (in the creation transaction; shown once in that
 * answer), and every installation response lists them masked as `inboundKeys`.
 */
@Injectable()
export class InstallationKeysExtension implements InstallationExtension {
  constructor(
    private readonly keys: InboundKeysService,
    private readonly routes: InboundRoutes,
  ) {}

  async onCreate(manager: EntityManager, installation: InstallationEntity, connector: RegisteredConnector): Promise<Record<string, unknown>> {
    if (issuedNames(connector.definition).length === 0) return {};
    const keys = await this.keys.issueAll(manager, installation.workspaceId, installation.id, connector.definition);
    return { inboundKeys: keys };
  }

  async describe(workspaceId: string, installations: InstallationEntity[]): Promise<Map<string, Record<string, unknown>>> {
    const out = new Map<string, Record<string, unknown>>();
    const issuing = installations.filter((i) => {
      const connector = this.routes.connector(i.connectorId);
      return connector !== undefined && issuedNames(connector).length > 0;
    });
    if (issuing.length === 0) return out;
    const byId = new Map(issuing.map((i) => [i.id, i]));
    const titles = (installationId: string, name: string): string => {
      const connector = this.routes.connector(byId.get(installationId)?.connectorId ?? '');
      return (connector && issuedNames(connector).find((n) => n.name === name)?.title) ?? name;
    };
    const views = await this.keys.views(workspaceId, [...byId.keys()], titles);
    for (const id of byId.keys()) out.set(id, { inboundKeys: views.get(id) ?? [] });
    return out;
  }
}
