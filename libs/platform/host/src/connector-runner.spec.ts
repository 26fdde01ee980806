import { Logger } from '@nestjs/common';
import type { InstallationEntity } from '@hub/persistence';
import { ConfigurationError, defineConnector, secret } from '@hub/sdk';
import { z } from 'zod';
import { ConnectorRegistry } from './connector-registry';
import { ConnectorRunner } from './connector-runner.service';

const installation = { id: 'inst-1', workspaceId: 'ws-1', connectorId: 'unit-crm' } as InstallationEntity;

function runnerFor(check: (ctx: { signal: AbortSignal; settings: Record<string, unknown> }) => Promise<unknown>) {
  const registry = new ConnectorRegistry([
    defineConnector({
      id: 'unit-crm',
      version: '1.0.0',
      name: 'Unit CRM',
      description: 'd',
      category: 'destination',
      settings: z.object({ apiKey: secret(z.string().min(8)), region: z.enum(['eu', 'us']).default('us') }),
      auth: { type: 'apiKey' },
      check: check as never,
    }),
  ]);
  const connector = registry.find('unit-crm');
  if (!connector) throw new Error('not registered');
  // The check path touches neither the store, the database nor the vault.
  const runner = new ConnectorRunner(registry, null as never, null as never, null as never);
  return { runner, connector };
}

describe('ConnectorRunner.check', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('answers within the timeout when the connector never does', async () => {
    const { runner, connector } = runnerFor(() => new Promise(() => undefined));
    const prepared = runner.prepareValues(installation, connector, { apiKey: 'secret-key-1' });
    const started = Date.now();
    await expect(runner.check(prepared, 100)).resolves.toEqual({ ok: false, message: 'The connection check did not answer within 100 ms' });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('turns a thrown connector error into its message, scrubbed of secrets', async () => {
    const { runner, connector } = runnerFor(async (ctx) => {
      throw new ConfigurationError(`key ${String(ctx.settings.apiKey)} is for another region`);
    });
    const prepared = runner.prepareValues(installation, connector, { apiKey: 'secret-key-1' });
    await expect(runner.check(prepared)).resolves.toEqual({ ok: false, message: 'key [redacted] is for another region' });
  });

  it('hides unexpected errors and malformed results behind an actionable sentence', async () => {
    const thrower = runnerFor(async () => {
      throw new TypeError('cannot read properties of undefined');
    });
    const p1 = thrower.runner.prepareValues(installation, thrower.connector, { apiKey: 'secret-key-1' });
    expect((await thrower.runner.check(p1)).message).toBe('The connection check failed unexpectedly; see the hub logs');
    const weird = runnerFor(async () => 'yes');
    const p2 = weird.runner.prepareValues(installation, weird.connector, { apiKey: 'secret-key-1' });
    expect(await weird.runner.check(p2)).toMatchObject({ ok: false });
  });

  it('refuses settings that no longer validate, naming the field but not the secret', () => {
    const { runner, connector } = runnerFor(async () => ({ ok: true, message: 'ok' }));
    expect(() => runner.prepareValues(installation, connector, { apiKey: 'short', region: 'mars' })).toThrow(
      /settings\.apiKey.*settings\.region|settings\.region.*settings\.apiKey/,
    );
  });

  it('builds the context: defaults applied, credentials from the apiKey setting, emit not supported yet', async () => {
    const { runner, connector } = runnerFor(async () => ({ ok: true, message: 'ok' }));
    const prepared = runner.prepareValues(installation, connector, { apiKey: 'secret-key-1' });
    const ctx = runner.context(prepared, { runId: 'r1', signal: new AbortController().signal });
    expect(ctx.settings).toEqual({ apiKey: 'secret-key-1', region: 'us' });
    expect(ctx.credentials).toEqual({ type: 'apiKey', apiKey: 'secret-key-1' });
    expect(ctx.workspaceId).toBe('ws-1');
    await expect(ctx.emit([{ type: 'track' }])).rejects.toThrow(ConfigurationError);
  });
});
