import type { ConnectorDefinition, InboundAuthSpec, InboundRouteDefinition } from '@hub/sdk';

/** Hard ceiling on any inbound body, whatever a route declares (after decompression). */
export const ABSOLUTE_MAX_BODY_BYTES = 16 * 1024 * 1024;
/** For routes that declare no cap. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** A route the hub serves, resolved from a connector definition at boot. */
export interface ServedRoute {
  path: string;
  connector: ConnectorDefinition;
  key: string;
  route: InboundRouteDefinition<unknown>;
  auth: InboundAuthSpec[];
  maxBodyBytes: number;
  /** Top-level body fields that carry keys: read for auth, never stored. */
  bodyKeyFields: string[];
}

export class InboundRouteConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InboundRouteConflictError';
  }
}

/**
 * The inbound routes of the catalog. Paths are the senders' protocols (`/hooks/segment`,
 * `/v1/:type`), so two connectors claiming the same one is a boot error, not a silent shadowing.
 */
export class InboundRoutes {
  readonly routes: readonly ServedRoute[];
  private readonly connectors = new Map<string, ConnectorDefinition>();

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(definitions: readonly ConnectorDefinition<any>[]) {
    const routes: ServedRoute[] = [];
    const seen = new Map<string, string>();
    for (const connector of definitions) {
      this.connectors.set(connector.id, connector);
      for (const [key, route] of Object.entries(connector.inbound ?? {})) {
        if (!route.path || !route.auth) continue;
        const shape = route.path.replace(/:[^/]+/g, ':');
        const owner = seen.get(shape);
        if (owner) {
          throw new InboundRouteConflictError(`inbound path ${route.path} of ${connector.id}.${key} is already served by ${owner}`);
        }
        seen.set(shape, `${connector.id}.${key}`);
        routes.push({
          path: route.path,
          connector,
          key,
          route: route as InboundRouteDefinition<unknown>,
          auth: route.auth,
          maxBodyBytes: Math.min(route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES, ABSOLUTE_MAX_BODY_BYTES),
          bodyKeyFields: route.auth.flatMap((a) => (a.type === 'key' && a.bodyField ? [a.bodyField] : [])),
        });
      }
    }
    this.routes = routes;
  }

  connector(id: string): ConnectorDefinition | undefined {
    return this.connectors.get(id);
  }
}
