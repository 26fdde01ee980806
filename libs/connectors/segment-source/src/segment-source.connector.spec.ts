import { HUB_ORIGIN_CONTEXT_KEY } from '@hub/event-model';
import { AuthError, ConfigurationError, PermanentApiError, RateLimitError, RetryableError, validateDefinition, ValidationError } from '@hub/sdk';
import { createTestIntegration, SegmentStandIn, TEST_INSTALLATION_ID, type StandInRequest } from '@hub/testing';
import { segmentSourceConnector } from './segment-source.connector';

const KEY = 'connectorTestWriteKey01';
const TS = '2024-05-01T12:00:00.000Z';

/** A request as the snapshot shows it: volatile values (send time, Node version) replaced. */
function wire(req: StandInRequest) {
  const body = JSON.parse(JSON.stringify(req.body)) as { sentAt?: string; batch?: { _metadata?: { nodeVersion?: string } }[] };
  if (body.sentAt) body.sentAt = '<sentAt>';
  for (const item of body.batch ?? []) if (item._metadata?.nodeVersion) item._metadata.nodeVersion = '<node>';
  const { authorization, 'content-type': contentType, 'user-agent': userAgent } = req.headers;
  return { method: req.method, path: req.path, headers: { authorization, 'content-type': contentType, 'user-agent': userAgent }, body };
}

describe('segment-source connector', () => {
  const t = createTestIntegration(segmentSourceConnector);
  let s: SegmentStandIn;
  let settings: { writeKey: string; endpoint: string };
  beforeAll(async () => {
    s = await SegmentStandIn.start({ writeKeys: [KEY] });
    settings = { writeKey: KEY, endpoint: s.url };
  });
  afterAll(() => s.stop());
  beforeEach(() => {
    t.reset();
    s.reset();
  });

  it('is a valid connector definition', () => {
    expect(validateDefinition(segmentSourceConnector)).toEqual([]);
  });

  it('names each bad setting', async () => {
    const error = await t.testCheck({ settings: { region: 'asia', writeKey: 'short', endpoint: 'ftp://x/y' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields.map((f) => f.path)).toEqual(['region', 'writeKey', 'endpoint']);
  });

  it('marks the custom endpoint as gated by HUB_SEGMENT_ALLOW_CUSTOM_HOST in the settings schema', () => {
    const schema = segmentSourceConnector.settings.shape.endpoint.meta() as { hubGate?: string };
    expect(schema.hubGate).toBe('HUB_SEGMENT_ALLOW_CUSTOM_HOST');
  });

  describe('wire format (against the Tracking API stand-in)', () => {
    const common = { timestamp: TS, context: { ip: '203.0.113.9' }, integrations: { All: false, Mixpanel: true } };

    it('identify', async () => {
      const { result } = await t.testAction('identify', {
        settings,
        input: { ...common, userId: 'u-1', messageId: 'msg-identify', traits: { email: 'ada@example.com', createdAt: '2024-01-02T03:04:05Z', plan: 'pro' } },
      });
      expect(result).toEqual({ messageIds: ['msg-identify'] });
      expect(wire(s.requests[0])).toMatchInlineSnapshot(`
        {
          "body": {
            "batch": [
              {
                "_metadata": {
                  "jsRuntime": "node",
                  "nodeVersion": "<node>",
                },
                "context": {
                  "hubOrigin": {
                    "installationId": "00000000-0000-4000-8000-00000000000b",
                  },
                  "ip": "203.0.113.9",
                  "library": {
                    "name": "@segment/analytics-node",
                    "version": "3.1.0",
                  },
                },
                "integrations": {
                  "All": false,
                  "Mixpanel": true,
                },
                "messageId": "msg-identify",
                "timestamp": "2024-05-01T12:00:00.000Z",
                "traits": {
                  "createdAt": "2024-01-02T03:04:05Z",
                  "email": "ada@example.com",
                  "plan": "pro",
                },
                "type": "identify",
                "userId": "u-1",
              },
            ],
            "sentAt": "<sentAt>",
            "writeKey": "connectorTestWriteKey01",
          },
          "headers": {
            "authorization": "Basic Y29ubmVjdG9yVGVzdFdyaXRlS2V5MDE6",
            "content-type": "application/json",
            "user-agent": "analytics-node-next/latest",
          },
          "method": "POST",
          "path": "/v1/batch",
        }
      `);
    });

    it('track', async () => {
      await t.testAction('track', {
        settings,
        input: { userId: 'u-1', anonymousId: 'a-1', event: 'Order Completed', messageId: 'msg-track', timestamp: TS, properties: { revenue: 19.99, currency: 'EUR', value: 3 } },
      });
      const [item] = wire(s.requests[0]).body.batch as Record<string, unknown>[];
      expect(item).toMatchInlineSnapshot(`
        {
          "_metadata": {
            "jsRuntime": "node",
            "nodeVersion": "<node>",
          },
          "anonymousId": "a-1",
          "context": {
            "hubOrigin": {
              "installationId": "00000000-0000-4000-8000-00000000000b",
            },
            "library": {
              "name": "@segment/analytics-node",
              "version": "3.1.0",
            },
          },
          "event": "Order Completed",
          "integrations": {},
          "messageId": "msg-track",
          "properties": {
            "currency": "EUR",
            "revenue": 19.99,
            "value": 3,
          },
          "timestamp": "2024-05-01T12:00:00.000Z",
          "type": "track",
          "userId": "u-1",
        }
      `);
    });

    it('group', async () => {
      await t.testAction('group', { settings, input: { userId: 'u-1', groupId: 'acme', messageId: 'msg-group', timestamp: TS, traits: { name: 'Acme', employees: 120, plan: 'enterprise' } } });
      const [item] = wire(s.requests[0]).body.batch as Record<string, unknown>[];
      expect({ type: item.type, groupId: item.groupId, userId: item.userId, traits: item.traits, messageId: item.messageId }).toMatchInlineSnapshot(`
        {
          "groupId": "acme",
          "messageId": "msg-group",
          "traits": {
            "employees": 120,
            "name": "Acme",
            "plan": "enterprise",
          },
          "type": "group",
          "userId": "u-1",
        }
      `);
    });

    it('page and screen', async () => {
      await t.testAction('page', { settings, input: { anonymousId: 'a-1', name: 'Pricing', category: 'Docs', messageId: 'msg-page', timestamp: TS, properties: { path: '/pricing' } } });
      await t.testAction('screen', { settings, input: { userId: 'u-1', name: 'Home', messageId: 'msg-screen', timestamp: TS } });
      const items = s.requests.map((r) => (wire(r).body.batch as Record<string, unknown>[])[0]);
      expect(items.map(({ type, name, category, properties, messageId }) => ({ type, name, category, properties, messageId }))).toMatchInlineSnapshot(`
        [
          {
            "category": "Docs",
            "messageId": "msg-page",
            "name": "Pricing",
            "properties": {
              "category": "Docs",
              "path": "/pricing",
            },
            "type": "page",
          },
          {
            "category": undefined,
            "messageId": "msg-screen",
            "name": "Home",
            "properties": {},
            "type": "screen",
          },
        ]
      `);
    });

    it('alias', async () => {
      await t.testAction('alias', { settings, input: { userId: 'u-1', previousId: 'a-1', messageId: 'msg-alias', timestamp: TS } });
      const [item] = wire(s.requests[0]).body.batch as Record<string, unknown>[];
      expect({ type: item.type, userId: item.userId, previousId: item.previousId, messageId: item.messageId }).toMatchInlineSnapshot(`
        {
          "messageId": "msg-alias",
          "previousId": "a-1",
          "type": "alias",
          "userId": "u-1",
        }
      `);
    });

    it('apiCall: the path on the target host, the hub adds auth, the echo marker and a messageId from the seed', async () => {
      const { result } = await t.testAction('apiCall', {
        settings,
        input: { path: '/v1/batch', headers: { 'X-Trace': 't-1' }, query: { debug: true }, body: { batch: [{ type: 'track', event: 'E', userId: 'u' }, { type: 'identify', userId: 'u', messageId: 'own' }] }, messageId: 'seed' },
      });
      expect(result).toEqual({ status: 200, body: { success: true }, messageIds: ['seed-0', 'own'] });
      const req = s.requests[0];
      expect({ path: req.path, auth: req.headers.authorization, trace: req.headers['x-trace'], type: req.headers['content-type'], body: req.body }).toMatchInlineSnapshot(`
        {
          "auth": "Basic Y29ubmVjdG9yVGVzdFdyaXRlS2V5MDE6",
          "body": {
            "batch": [
              {
                "context": {
                  "hubOrigin": {
                    "installationId": "00000000-0000-4000-8000-00000000000b",
                  },
                },
                "event": "E",
                "messageId": "seed-0",
                "type": "track",
                "userId": "u",
              },
              {
                "context": {
                  "hubOrigin": {
                    "installationId": "00000000-0000-4000-8000-00000000000b",
                  },
                },
                "messageId": "own",
                "type": "identify",
                "userId": "u",
              },
            ],
          },
          "path": "/v1/batch?debug=true",
          "trace": "t-1",
          "type": "application/json",
        }
      `);
    });
  });

  describe('input validation names each bad field and sends nothing', () => {
    it.each([
      ['identify', { traits: { email: 42, createdAt: 'yesterday' } }, ['userId', 'traits.email', 'traits.createdAt']],
      ['track', { userId: 'u', event: '', properties: { revenue: '19.99', currency: 'euro' } }, ['event', 'properties.revenue', 'properties.currency']],
      ['track', { userId: 'u', event: 'E', timestamp: '2024-05-01 noon', messageId: 'x'.repeat(101), user_id: 'typo' }, ['', 'timestamp', 'messageId']],
      ['group', { userId: 'u', traits: { employees: true } }, ['groupId', 'traits.employees']],
      ['alias', { userId: 'u' }, ['previousId']],
      ['page', { userId: 'u', name: 5, integrations: { All: 'no' } }, ['integrations.All', 'name']],
      ['apiCall', { method: 'TRACE', path: 'https://evil.example/v1', headers: { Authorization: 'x' } }, ['method', 'path', 'headers.Authorization']],
    ])('%s %j', async (action, input, paths) => {
      const error = await t.testAction(action, { settings, input }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).fields.map((f) => f.path).sort()).toEqual([...paths].sort());
      expect(s.requests).toEqual([]);
    });

    it('an input over 32 KB is refused before anything is sent', async () => {
      const error = await t
        .testAction('track', { settings, input: { userId: 'u', event: 'E', properties: { blob: 'x'.repeat(33 * 1024) } } })
        .catch((e: unknown) => e);
      expect((error as ValidationError).fields).toEqual([{ path: '', message: expect.stringContaining('at most 32768 bytes') }]);
    });
  });

  describe('batching by bytes', () => {
    it('packs events into requests under 480 KB and 2,500 events, in order, each messageId once', async () => {
      const inputs = Array.from({ length: 1500 }, (_, i) => ({
        userId: `u-${i}`,
        event: 'Viewed',
        messageId: `batch-${i}`,
        // Multi-byte characters: the library's own guard would undercount these.
        properties: { note: 'é€'.repeat(200 + (i % 50)) },
      }));
      const { result } = await t.testBatchAction('track', { settings, inputs });
      expect(result.every((r) => r.ok)).toBe(true);
      expect(s.violations).toBe(0);
      expect(s.requests.length).toBeGreaterThan(1);
      for (const req of s.requests) expect(req.bytes).toBeLessThanOrEqual(480 * 1024);
      expect(s.distinctMessages).toBe(1500);
      expect(s.duplicates()).toEqual([]);
    });

    it('an event over 32 KB on the wire is failed permanently and never sent; the others go', async () => {
      // 32,600 bytes of input: under the input limit, over it once the library adds its context.
      const big = { userId: 'u', event: 'Big', messageId: 'big', properties: { blob: 'x'.repeat(32 * 1024 - 130) } };
      const small = { userId: 'u', event: 'Small', messageId: 'small' };
      const { result } = await t.testBatchAction('track', { settings, inputs: [big, small] });
      expect(result[0]).toEqual({ ok: false, error: expect.any(PermanentApiError) });
      expect((result[0] as { error: Error }).error.message).toContain('32 KB');
      expect(result[1]).toEqual({ ok: true, output: { messageIds: ['small'] } });
      expect([...s.received.keys()]).toEqual(['small']);
    });
  });

  describe('the retry table', () => {
    const send = () => t.testAction('track', { settings, input: { userId: 'u', event: 'E', messageId: 'retry-1' } }).catch((e: unknown) => e);

    it.each([
      [503, RetryableError, 'backoff'],
      [500, RetryableError, 'backoff'],
      [408, RetryableError, 'backoff'],
      [501, PermanentApiError, 'never'],
      [400, PermanentApiError, 'never'],
      [413, PermanentApiError, 'never'],
      [401, AuthError, 'never'],
      [403, AuthError, 'never'],
    ])('HTTP %i -> %p (%s)', async (status, type, retry) => {
      s.failNext(1, { status, body: { message: 'scripted' } });
      const error = await send();
      expect(error).toBeInstanceOf(type);
      expect((error as { retry: string }).retry).toBe(retry);
      expect(s.requests).toHaveLength(1);
    });

    it('429 becomes a RateLimitError carrying Retry-After, without sleeping in the job', async () => {
      s.rateLimitNext(1, 30);
      const started = Date.now();
      const error = await send();
      expect(Date.now() - started).toBeLessThan(2000);
      expect(error).toBeInstanceOf(RateLimitError);
      expect(error).toMatchObject({ retryAfterMs: 30_000 });
    });

    it('a redirect is never followed: ConfigurationError, one connection only', async () => {
      s.redirectNext(1, 'http://127.0.0.1:9/v1/batch');
      const error = await send();
      expect(error).toBeInstanceOf(ConfigurationError);
      expect((error as Error).message).toContain('never follows redirects');
      expect(s.requests).toHaveLength(1);
    });

    it('Segment unreachable: RetryableError', async () => {
      await s.down();
      try {
        expect(await send()).toBeInstanceOf(RetryableError);
      } finally {
        await s.up();
      }
    });
  });

  describe('check', () => {
    it('reports a working connection', async () => {
      const { result } = await t.testCheck({ settings });
      expect(result).toEqual({ ok: true, message: expect.stringContaining(`the custom endpoint ${s.url} accepted a test request`) });
      expect(s.requests[0]).toMatchObject({ path: '/v1/batch', status: 200, events: 0 });
    });

    it('tells the admin the key was refused', async () => {
      const { result } = await t.testCheck({ settings: { ...settings, writeKey: 'anotherValidLookingKey1' } });
      expect(result.ok).toBe(false);
      expect(result.message).toContain('Segment refused the write key');
    });

    it('explains an unreachable endpoint', async () => {
      await s.down();
      try {
        const { result } = await t.testCheck({ settings });
        expect(result.ok).toBe(false);
        expect(result.message).toMatch(/Could not reach the custom endpoint .* \((ECONNREFUSED|ECONNRESET)\)/);
      } finally {
        await s.up();
      }
    });
  });

  it('every outbound message carries the echo marker with the installation id', async () => {
    await t.testAction('track', { settings, input: { userId: 'u', event: 'E', context: { hubOrigin: 'forged', locale: 'fr' } } });
    const [item] = (s.requests[0].body as { batch: { context: Record<string, unknown> }[] }).batch;
    expect(item.context[HUB_ORIGIN_CONTEXT_KEY]).toEqual({ installationId: TEST_INSTALLATION_ID });
    expect(item.context.locale).toBe('fr');
  });
});
