import { z } from 'zod';
import { defineConnector } from './definition';
import { validateDefinition } from './validate-definition';

const base = {
  id: 'receiver',
  version: '1.0.0',
  name: 'Receiver',
  description: 'Receives events',
  category: 'source' as const,
  settings: z.object({}),
  auth: { type: 'none' as const },
};
const handle = async () => undefined;

describe('inbound routes in a definition', () => {
  it('accepts served routes authenticated by declared keys or a shared secret', () => {
    const def = defineConnector({
      ...base,
      inboundKeys: { apiKey: { title: 'API key' } },
      inboundSecret: { title: 'Shared secret' },
      inbound: {
        hook: { title: 'Hook', path: '/hooks/receiver/:installationId', auth: [{ type: 'key', key: 'apiKey' }, { type: 'signature', param: 'installationId' }], verify: () => undefined, handle },
        legacy: { title: 'Not served by the host', handle },
      },
    });
    expect(validateDefinition(def)).toEqual([]);
  });

  it('names each broken rule', () => {
    const def = defineConnector({
      ...base,
      inboundKeys: { apiKey: { title: 'API key' } },
      inbound: {
        noAuth: { title: 'A', path: '/hooks/a', handle },
        badPath: { title: 'B', path: 'hooks/B', auth: [{ type: 'key', key: 'apiKey' }], handle },
        unknownKey: { title: 'C', path: '/hooks/c', auth: [{ type: 'key', key: 'writeKey' }], handle },
        badSignature: { title: 'D', path: '/hooks/d', auth: [{ type: 'signature', param: 'id' }], handle },
      },
    });
    expect(validateDefinition(def).map((e) => e.path)).toEqual(
      expect.arrayContaining(['inbound.badPath.path']),
    );
    const fixedPath = { ...def, inbound: { ...def.inbound, badPath: { ...def.inbound!.badPath, path: '/hooks/b' } } };
    expect(validateDefinition(fixedPath).map((e) => e.path)).toEqual([
      'inbound.noAuth',
      'inbound.unknownKey.auth.0.key',
      'inbound.badSignature.auth.0.param',
      'inbound.badSignature.auth.0',
      'inbound.badSignature.verify',
    ]);
  });
});
