import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  connectorKit,
  defineConnector,
  errorForHttpStatus,
  InvalidDefinitionError,
  RetryableError,
  secret,
  ValidationError,
  type ConnectorDefinition,
} from '@hub/sdk';
import { z } from 'zod';
import { UnmatchedRequestError } from './intercept';
import { NetworkDisabledError } from './network';
import { createTestIntegration, TEST_INSTALLATION_ID, TEST_RUN_ID, TEST_WORKSPACE_ID } from './test-integration';

const settings = z.object({
  baseUrl: z.url().default('https://api.partner.test'),
  apiKey: secret(z.string().min(8)),
  region: z.enum(['eu', 'us']),
});
const { action, job, inbound } = connectorKit(settings);

const partner = defineConnector({
  id: 'partner',
  version: '1.0.0',
  name: 'Partner',
  description: 'A connector written for the testing kit tests',
  category: 'destination',
  settings,
  auth: { type: 'apiKey' },
  async check(ctx) {
    const res = await ctx.http.request({ url: `${ctx.settings.baseUrl}/me`, headers: { 'x-api-key': ctx.settings.apiKey } });
    return res.ok ? { ok: true, message: 'Connected' } : { ok: false, message: `The API key was refused (${res.status})` };
  },
  actions: {
    sendNote: action({
      title: 'Send note',
      input: z.object({ text: z.string().min(1), tags: z.array(z.string()).default([]) }),
      batch: { maxItems: 2 },
      async perform(ctx, input) {
        ctx.logger.info('sending note', { length: input.text.length });
        const res = await ctx.http.request({
          method: 'POST',
          url: `${ctx.settings.baseUrl}/v1/notes`,
          query: { region: ctx.settings.region },
          headers: { 'x-api-key': ctx.settings.apiKey },
          json: input,
        });
        if (!res.ok) throw errorForHttpStatus(res.status, `Partner answered ${res.status}`);
        return res.json<{ id: string }>();
      },
      async performBatch(ctx, inputs) {
        const res = await ctx.http.request({ method: 'POST', url: `${ctx.settings.baseUrl}/v1/notes/batch`, json: inputs });
        const body = await res.json<{ ids: string[] }>();
        return body.ids.map((id) => ({ ok: true as const, output: { id } }));
      },
    }),
    swallowErrors: action({
      title: 'Swallow errors',
      input: z.object({ url: z.string() }),
      async perform(ctx, input) {
        try {
          await ctx.http.request({ url: input.url });
        } catch {
          // A careless connector; the harness must still fail the test.
        }
        return 'done';
      },
    }),
    bypassHttp: action({
      title: 'Bypass ctx.http',
      input: z.object({ url: z.string() }),
      async perform(_ctx, input) {
        try {
          await fetch(input.url);
        } catch (error) {
          throw new RetryableError('Partner unreachable', { cause: error });
        }
      },
    }),
  },
  jobs: {
    importNotes: job({
      title: 'Import notes',
      payload: z.object({ pageSize: z.number().int().positive() }),
      async run(ctx, payload) {
        const state = (await ctx.checkpoint.get<{ cursor: number }>()) ?? { cursor: 0 };
        const events = Array.from({ length: payload.pageSize }, (_, i) => ({
          type: 'track',
          event: 'Note Imported',
          userId: `u${state.cursor + i}`,
        }));
        await ctx.emit(events);
        await ctx.checkpoint.save({ cursor: state.cursor + payload.pageSize, runId: ctx.runId });
        return { imported: events.length };
      },
    }),
  },
  inbound: {
    notes: inbound({
      title: 'Note webhook',
      verify(req, ctx) {
        if (req.headers['x-signature'] !== ctx.settings.apiKey) throw new ValidationError('bad signature');
      },
      async handle(req, ctx) {
        const body = JSON.parse(req.rawBody.toString('utf8')) as { text: string };
        await ctx.emit([{ type: 'track', event: 'Note Received', properties: body }]);
        return { status: 202, body: { received: true, workspace: ctx.workspaceId } };
      },
    }),
  },
});

const validSettings = { apiKey: 'secret-key-1', region: 'eu' };

describe('createTestIntegration', () => {
  const t = createTestIntegration(partner);
  beforeEach(() => t.reset());

  it('refuses an invalid definition as the host would', () => {
    const broken = { ...partner, id: 'Not Kebab' } as ConnectorDefinition;
    expect(() => createTestIntegration(broken)).toThrow(InvalidDefinitionError);
  });

  describe('testAction', () => {
    it('captures the request on the wire and returns the result, logs and context', async () => {
      t.intercept('POST', 'https://api.partner.test/v1/notes', { status: 201, json: { id: 'n1' } });
      const { result, requests, logs } = await t.testAction('sendNote', {
        settings: validSettings,
        input: { text: 'hello' },
      });
      expect(result).toEqual({ id: 'n1' });
      expect(requests).toMatchInlineSnapshot(`
        [
          {
            "body": {
              "tags": [],
              "text": "hello",
            },
            "headers": {
              "content-type": "application/json",
              "x-api-key": "secret-key-1",
            },
            "method": "POST",
            "url": "https://api.partner.test/v1/notes?region=eu",
          },
        ]
      `);
      expect(logs).toEqual([{ level: 'info', msg: 'sending note', fields: { length: 5 } }]);
      expect(t.requests).toEqual(requests);
    });

    it('maps a partner error through the connector and keeps the requests', async () => {
      t.intercept('POST', 'https://api.partner.test/v1/notes', { status: 503 });
      await expect(t.testAction('sendNote', { settings: validSettings, input: { text: 'x' } })).rejects.toBeInstanceOf(
        RetryableError,
      );
      expect(t.requests).toHaveLength(1);
    });

    it('answers in order with routes used a limited number of times', async () => {
      t.intercept('POST', 'https://api.partner.test/v1/notes', { status: 200, json: { id: 'first' } }, { times: 1 });
      t.intercept('POST', 'https://api.partner.test/v1/notes', (req) => ({ json: { id: `echo-${(req.body as { text: string }).text}` } }));
      const call = () => t.testAction('sendNote', { settings: validSettings, input: { text: 'b' } });
      expect((await call()).result).toEqual({ id: 'first' });
      expect((await call()).result).toEqual({ id: 'echo-b' });
      expect(t.pendingIntercepts()).toEqual([]);
      t.intercept('GET', 'https://api.partner.test/me', { status: 200 }, { times: 1 });
      expect(t.pendingIntercepts()).toEqual(['GET https://api.partner.test/me']);
    });

    it('fails loudly with the URL when no intercept matches', async () => {
      t.intercept('GET', 'https://api.partner.test/me', { status: 200 });
      const error = await t.testAction('sendNote', { settings: validSettings, input: { text: 'x' } }).catch((e) => e);
      expect(error).toBeInstanceOf(UnmatchedRequestError);
      expect(error.message).toContain('No intercept matches POST https://api.partner.test/v1/notes?region=eu');
      expect(error.message).toContain('Registered: GET https://api.partner.test/me');
    });

    it('fails an unmatched request even when the connector swallows the error', async () => {
      await expect(
        t.testAction('swallowErrors', { settings: validSettings, input: { url: 'https://other.partner.test/x' } }),
      ).rejects.toThrow('No intercept matches GET https://other.partner.test/x');
    });

    it('refuses a real connection when a connector bypasses ctx.http', async () => {
      const error = await t
        .testAction('bypassHttp', { settings: validSettings, input: { url: 'http://203.0.113.9/ping' } })
        .catch((e) => e);
      expect(error).toBeInstanceOf(NetworkDisabledError);
      expect(error).toMatchObject({ host: '203.0.113.9', port: 80 });
    });

    it('rejects invalid settings with per-field errors before running anything', async () => {
      const error = await t
        .testAction('sendNote', { settings: { apiKey: 'short', region: 'mars' }, input: { text: 'x' } })
        .catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields).toEqual([
        { path: 'apiKey', message: expect.stringContaining('>=8') },
        { path: 'region', message: expect.stringContaining('"eu"') },
      ]);
      expect(error.message).toMatch(/^Settings is invalid: apiKey .*; region /);
      expect(t.requests).toEqual([]);
    });

    it('rejects invalid input with per-field errors', async () => {
      const error = await t.testAction('sendNote', { settings: validSettings, input: { text: '', tags: 'a' } }).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields.map((f: { path: string }) => f.path)).toEqual(['text', 'tags']);
      expect(error.message).toContain('Input of action "sendNote" is invalid');
    });

    it('names the known actions for an unknown key', async () => {
      await expect(t.testAction('sendNotes', { settings: validSettings, input: {} })).rejects.toThrow(
        'has no action "sendNotes" (actions: sendNote, swallowErrors, bypassHttp)',
      );
    });

    it('forwards unmatched loopback requests to a local stand-in server', async () => {
      const server: Server = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ id: `stand-in ${req.method} ${req.url}` }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        const { result, requests } = await t.testAction('sendNote', {
          settings: { ...validSettings, baseUrl },
          input: { text: 'x' },
        });
        expect(result).toEqual({ id: 'stand-in POST /v1/notes?region=eu' });
        expect(requests.map((r) => r.url)).toEqual([`${baseUrl}/v1/notes?region=eu`]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('testBatchAction', () => {
    it('validates each item, chunks by maxItems and returns one result per input', async () => {
      let n = 0;
      t.intercept('POST', 'https://api.partner.test/v1/notes/batch', (req) => ({
        json: { ids: (req.body as unknown[]).map(() => `id${++n}`) },
      }));
      const { result, requests } = await t.testBatchAction('sendNote', {
        settings: validSettings,
        inputs: [{ text: 'a' }, { text: '' }, { text: 'b' }, { text: 'c' }],
      });
      expect(requests.map((r) => (r.body as { text: string }[]).map((i) => i.text))).toEqual([['a', 'b'], ['c']]);
      expect(result[0]).toEqual({ ok: true, output: { id: 'id1' } });
      expect(result[1]).toMatchObject({ ok: false, error: expect.any(ValidationError) });
      expect(result[2]).toEqual({ ok: true, output: { id: 'id2' } });
      expect(result[3]).toEqual({ ok: true, output: { id: 'id3' } });
    });
  });

  describe('testJob', () => {
    it('round-trips the checkpoint and records emitted events with fixed test ids', async () => {
      const first = await t.testJob('importNotes', { settings: validSettings, payload: { pageSize: 2 } });
      expect(first.result).toEqual({ imported: 2 });
      expect(first.checkpoint).toEqual({ cursor: 2, runId: TEST_RUN_ID });
      expect(first.emitted).toEqual([
        { type: 'track', event: 'Note Imported', userId: 'u0' },
        { type: 'track', event: 'Note Imported', userId: 'u1' },
      ]);

      const second = await t.testJob('importNotes', {
        settings: validSettings,
        payload: { pageSize: 1 },
        checkpoint: first.checkpoint,
      });
      expect(second.checkpoint).toEqual({ cursor: 3, runId: TEST_RUN_ID });
      expect(second.emitted).toEqual([{ type: 'track', event: 'Note Imported', userId: 'u2' }]);
    });

    it('rejects a bad payload', async () => {
      const error = await t.testJob('importNotes', { settings: validSettings, payload: { pageSize: -1 } }).catch((e) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.fields).toEqual([{ path: 'pageSize', message: expect.any(String) }]);
    });
  });

  describe('testInbound', () => {
    it('verifies then handles the raw body with lower-cased headers', async () => {
      const { result, emitted } = await t.testInbound('notes', {
        settings: validSettings,
        headers: { 'X-Signature': 'secret-key-1' },
        rawBody: '{"text":"hi"}',
      });
      expect(result).toEqual({ status: 202, body: { received: true, workspace: TEST_WORKSPACE_ID } });
      expect(emitted).toEqual([{ type: 'track', event: 'Note Received', properties: { text: 'hi' } }]);
    });

    it('does not handle a request that fails verification', async () => {
      const run = t.testInbound('notes', { settings: validSettings, headers: { 'x-signature': 'forged' }, rawBody: '{}' });
      await expect(run).rejects.toThrow('bad signature');
    });
  });

  describe('testCheck', () => {
    it('reports success and failure as the connector words them', async () => {
      t.intercept('GET', 'https://api.partner.test/me', { status: 200 }, { times: 1 });
      t.intercept('GET', 'https://api.partner.test/me', { status: 401 });
      expect((await t.testCheck({ settings: validSettings })).result).toEqual({ ok: true, message: 'Connected' });
      expect((await t.testCheck({ settings: validSettings })).result).toEqual({
        ok: false,
        message: 'The API key was refused (401)',
      });
    });
  });

  describe('credentials', () => {
    const oauth = createTestIntegration(
      defineConnector({
        ...partner,
        id: 'partner-oauth',
        auth: { type: 'oauth2', provider: 'partner', scopes: ['notes'] },
      }),
    );

    it('applies an OAuth access token as a bearer header, as the host client does', async () => {
      oauth.intercept('GET', 'https://api.partner.test/me', { status: 200 });
      const { requests } = await oauth.testCheck({
        settings: validSettings,
        credentials: { type: 'oauth2', accessToken: 'tok-123', metadata: {} },
      });
      expect(requests[0]?.headers['authorization']).toBe('Bearer tok-123');
      expect(requests[0]?.headers['x-api-key']).toBe('secret-key-1');
    });

    it('refuses credentials of another auth type', async () => {
      await expect(
        oauth.testCheck({ settings: validSettings, credentials: { type: 'apiKey', apiKey: 'k' } }),
      ).rejects.toThrow('declares auth "oauth2"');
    });
  });

  it('uses fixed test ids', async () => {
    const probe = createTestIntegration(
      defineConnector({
        ...partner,
        id: 'probe',
        async check(ctx) {
          return { ok: true, message: `${ctx.workspaceId}/${ctx.installationId}` };
        },
      }),
    );
    expect((await probe.testCheck({ settings: validSettings })).result.message).toBe(
      `${TEST_WORKSPACE_ID}/${TEST_INSTALLATION_ID}`,
    );
  });
});
