import { defineConnector, secret } from '@hub/sdk';
import { z } from 'zod';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorRegistryError } from './host.exception';

const good = (over: Record<string, unknown> = {}) =>
  defineConnector({
    id: 'acme-crm',
    version: '1.2.0',
    name: 'Acme CRM',
    description: 'Sends contacts to Acme',
    category: 'destination',
    settings: z.object({ region: z.enum(['eu', 'us']).default('us'), apiKey: secret(z.string().min(8), { title: 'API key' }) }),
    auth: { type: 'apiKey' },
    actions: { sendContact: { title: 'Send contact', input: z.object({ email: z.email() }), perform: async () => ({}) } },
    jobs: { syncAll: { title: 'Sync all', payload: z.object({}), schedule: { everyMs: 60_000 }, run: async () => undefined } },
    ...over,
  });

function bootError(defs: unknown[]): string {
  try {
    new ConnectorRegistry(defs);
  } catch (err) {
    expect(err).toBeInstanceOf(ConnectorRegistryError);
    return (err as Error).message;
  }
  throw new Error('expected the registry to refuse to boot');
}

describe('ConnectorRegistry', () => {
  it('refuses a bad definition, naming the connector and the field', () => {
    const message = bootError([good(), good({ id: 'other-crm', version: 'one' })]);
    expect(message).toContain('connectors[1]');
    expect(message).toContain('"other-crm"');
    expect(message).toContain('version must be a semver version');
  });

  it('names nested fields (an action without perform, a too-frequent schedule)', () => {
    const message = bootError([
      good({
        actions: { sendContact: { title: 'Send', input: z.object({}) } },
        jobs: { syncAll: { title: 'Sync', payload: z.object({}), schedule: { everyMs: 10 }, run: async () => undefined } },
      }),
    ]);
    expect(message).toContain('actions.sendContact.perform');
    expect(message).toContain('jobs.syncAll.schedule.everyMs');
  });

  it('refuses a definition that is not an object, with an unknown id', () => {
    expect(bootError([42])).toContain('"(unknown)"');
  });

  it('refuses duplicate ids, naming both entries', () => {
    const message = bootError([good(), good({ name: 'Copy' })]);
    expect(message).toBe('connectors[1]: connector id "acme-crm" is already used by connectors[0]; ids must be unique');
  });

  it('describes a connector for the catalog, secret fields marked', () => {
    const registry = new ConnectorRegistry([good()]);
    const entry = registry.find('acme-crm');
    if (!entry) throw new Error('acme-crm not registered');
    expect(entry.queueName).toBe('connector-acme-crm');
    expect(entry.secretKeys).toEqual(['apiKey']);
    const view = entry.view;
    expect(view).toMatchObject({
      id: 'acme-crm',
      version: '1.2.0',
      auth: { type: 'apiKey' },
      secretSettings: ['apiKey'],
      actions: [{ key: 'sendContact', title: 'Send contact' }],
      jobs: [{ key: 'syncAll', title: 'Sync all', schedule: { everyMs: 60_000 } }],
    });
    const props = (view.settingsSchema as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(props.apiKey).toMatchObject({ secret: true, writeOnly: true, title: 'API key' });
    expect(props.region.secret).toBeUndefined();
    expect((view.actions[0].inputSchema as { properties: Record<string, unknown> }).properties.email).toBeDefined();
    expect(registry.queueNames()).toEqual(['connector-acme-crm']);
    expect(registry.find('nope')).toBeUndefined();
  });
});
