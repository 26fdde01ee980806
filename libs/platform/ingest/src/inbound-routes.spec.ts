import { defineConnector } from '@hub/sdk';
import { z } from 'zod';
import { ABSOLUTE_MAX_BODY_BYTES, DEFAULT_MAX_BODY_BYTES, InboundRouteConflictError, InboundRoutes } from './inbound-routes';

const receiver = (id: string, path: string, maxBodyBytes?: number) =>
  defineConnector({
    id,
    version: '1.0.0',
    name: id,
    description: 'test',
    category: 'source',
    settings: z.object({}),
    auth: { type: 'none' },
    inboundKeys: { apiKey: { title: 'Key' } },
    inbound: {
      hook: { title: 'Hook', path, auth: [{ type: 'key', key: 'apiKey', bodyField: 'key' }], maxBodyBytes, handle: async () => undefined },
      unserved: { title: 'Not served', handle: async () => undefined },
    },
  });

describe('InboundRoutes', () => {
  it('serves routes with a path, capped, and names the body fields that carry keys', () => {
    const routes = new InboundRoutes([receiver('a', '/hooks/a'), receiver('b', '/hooks/b/:id', 64 * 1024 * 1024)]);
    expect(routes.routes.map((r) => [r.path, r.key, r.maxBodyBytes, r.bodyKeyFields])).toEqual([
      ['/hooks/a', 'hook', DEFAULT_MAX_BODY_BYTES, ['key']],
      ['/hooks/b/:id', 'hook', ABSOLUTE_MAX_BODY_BYTES, ['key']],
    ]);
    expect(routes.connector('b')?.id).toBe('b');
  });

  it('refuses two connectors claiming the same path shape at boot', () => {
    expect(() => new InboundRoutes([receiver('a', '/v1/:type'), receiver('b', '/v1/:kind')])).toThrow(InboundRouteConflictError);
  });
});
