/**
 * The apiCall SSRF corpus: whatever the caller puts in path, method, headers, query or body, the
 * only host that gets a connection is the installation's target. A canary listener counts every
 * connection made to it; the testing kit's network guard records any other attempt.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ConfigurationError, ValidationError } from '@hub/sdk';
import { createTestIntegration, disableNetwork, enableNetwork, refusedConnections, SegmentStandIn } from '@hub/testing';
import { segmentSourceConnector } from '../segment-source.connector';
import { setResolverForTests } from '../transport/address-policy';

const KEY = 'ssrfCorpusWriteKey0001';

async function canary(port = 0): Promise<{ server: Server; port: number; count: () => number } | undefined> {
  let connections = 0;
  const server = createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
  } catch {
    return undefined;
  }
  return { server, port: (server.address() as AddressInfo).port, count: () => connections };
}

describe('apiCall: SSRF corpus', () => {
  const t = createTestIntegration(segmentSourceConnector);
  let s: SegmentStandIn;
  let trap: NonNullable<Awaited<ReturnType<typeof canary>>>;
  let settings: { writeKey: string; endpoint: string };
  beforeAll(async () => {
    s = await SegmentStandIn.start({ writeKeys: [KEY] });
    const opened = await canary();
    if (!opened) throw new Error('could not open the canary listener');
    trap = opened;
    settings = { writeKey: KEY, endpoint: s.url };
  });
  afterAll(async () => {
    await s.stop();
    await new Promise((r) => trap.server.close(r));
  });
  beforeEach(() => s.reset());
  afterEach(() => expect(trap.count()).toBe(0));

  const B = () => trap.port;
  const paths = () => [
    `//127.0.0.1:${B()}/v1/track`,
    `///127.0.0.1:${B()}/v1/track`,
    `http://127.0.0.1:${B()}/v1/track`,
    `https://127.0.0.1:${B()}/v1/track`,
    `\\\\127.0.0.1:${B()}\\v1\\track`,
    `/\\127.0.0.1:${B()}/v1/track`,
    `@127.0.0.1:${B()}/v1/track`,
    `v1/track@127.0.0.1:${B()}`,
    `127.0.0.1:${B()}/v1/track`,
    `user:pass@127.0.0.1:${B()}/v1`,
    // IP literals in every notation
    `2130706433/v1/track`,
    `0x7f000001/v1/track`,
    `0x7f.0x0.0x0.0x1/v1`,
    `017700000001/v1/track`,
    `0177.0.0.01/v1`,
    `127.1/v1`,
    `[::1]:${B()}/v1`,
    `[::ffff:127.0.0.1]:${B()}/v1`,
    `[::ffff:7f00:1]/v1`,
    `[0:0:0:0:0:ffff:127.0.0.1]/v1`,
    `169.254.169.254/latest/meta-data`,
    // look-alike hosts and trailing dots
    `api.segment.io.evil.example/v1/track`,
    `api.segment.io@evil.example/v1/track`,
    `evil.example./v1/track`,
    `127.0.0.1./v1/track`,
    `api.segment.io./v1/track`,
    // traversal
    `/v1/../../127.0.0.1/v1`,
    `/v1/./track`,
    `/v1/%2e%2e/%2e%2e/admin`,
    `/v1/..%2f..%2fadmin`,
    `/v1/%252e%252e/admin`,
    `v1/track/..`,
    // schemes other than https
    `file:///etc/passwd`,
    `gopher://127.0.0.1:${B()}/_x`,
    `ftp://127.0.0.1:${B()}/`,
    `ws://127.0.0.1:${B()}/`,
    `javascript:alert(1)`,
    `data:text/plain,x`,
    // header and fragment smuggling through the path
    `/v1/track\r\nHost: 127.0.0.1:${B()}`,
    `/v1/track#@127.0.0.1:${B()}`,
    `/v1/track?x=@127.0.0.1:${B()}`,
    ` /v1/track`,
    `/v1/tra ck`,
    `/v1/track\u0000`,
    `/v1/tr\u00e4ck`,
    `/v1/track/`,
    `/admin`,
  ];

  it('every malicious path is refused with a ValidationError naming input.path; nothing connects', async () => {
    for (const path of paths()) {
      const error = await t.testAction('apiCall', { settings, input: { path, body: { userId: 'u', event: 'E' } } }).catch((e: unknown) => e);
      expect({ path, error }).toEqual({ path, error: expect.any(ValidationError) });
      expect((error as ValidationError).fields.map((f) => f.path)).toContain('path');
    }
    expect(s.connections).toBe(0);
    expect(refusedConnections()).toEqual([]);
  });

  it.each([
    [{ Host: '127.0.0.1:1' }],
    [{ 'X-Forwarded-Host': '127.0.0.1' }],
    [{ 'X-Forwarded-For': '127.0.0.1' }],
    [{ Forwarded: 'host=127.0.0.1' }],
    [{ 'Proxy-Authorization': 'Basic eA==' }],
    [{ Authorization: 'Basic b3RoZXI6' }],
    [{ 'X-Ok': 'a\r\nHost: 127.0.0.1' }],
    [{ 'Bad Name': 'x' }],
    [{ 'Transfer-Encoding': 'chunked' }],
  ])('header %j is refused', async (headers) => {
    const error = await t.testAction('apiCall', { settings, input: { path: '/v1/track', headers, body: { userId: 'u', event: 'E' } } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fields[0].path).toMatch(/^headers\./);
    expect(s.connections).toBe(0);
  });

  it.each(['CONNECT', 'TRACE', 'OPTIONS', 'HEAD', 'get'])('method %s is refused', async (method) => {
    const error = await t.testAction('apiCall', { settings, input: { method, path: '/v1/track' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect(s.connections).toBe(0);
  });

  it('a writeKey in the body (another source) is refused: the hub adds the auth', async () => {
    const error = await t.testAction('apiCall', { settings, input: { path: '/v1/track', body: { writeKey: 'other', userId: 'u', event: 'E' } } }).catch((e: unknown) => e);
    expect((error as ValidationError).fields.map((f) => f.path)).toEqual(['body.writeKey']);
  });

  it('query values that look like hosts stay query values on the allowed host', async () => {
    const { result } = await t.testAction<{ status: number }>('apiCall', {
      settings,
      input: { path: '/v1/track', query: { next: `http://127.0.0.1:${B()}/`, at: '@127.0.0.1' }, body: { userId: 'u', event: 'E' } },
    });
    expect(result.status).toBe(200);
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].path).toBe(`/v1/track?next=http%3A%2F%2F127.0.0.1%3A${B()}%2F&at=%40127.0.0.1`);
    const bad = await t.testAction('apiCall', { settings, input: { path: '/v1/track', query: { '@host': 'x' } } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ValidationError);
  });

  it('a redirect to 127.0.0.1 is not followed (apiCall and the batch path)', async () => {
    s.redirectNext(2, `http://127.0.0.1:${B()}/v1/track`);
    const viaApiCall = await t.testAction('apiCall', { settings, input: { path: '/v1/track', body: { userId: 'u', event: 'E' } } }).catch((e: unknown) => e);
    expect(viaApiCall).toBeInstanceOf(ConfigurationError);
    const viaTrack = await t.testAction('track', { settings, input: { userId: 'u', event: 'E' } }).catch((e: unknown) => e);
    expect(viaTrack).toBeInstanceOf(ConfigurationError);
    expect(s.requests).toHaveLength(2);
  });

  describe('DNS rebinding of the Segment host', () => {
    let trap443: Awaited<ReturnType<typeof canary>>;
    beforeAll(async () => {
      // Port 443 on loopback, where a rebound api.segment.io would land (needs root; skipped otherwise).
      trap443 = await canary(443);
      // Let the socket guard pass the name through, so our own resolver check is what is tested.
      disableNetwork({ allowHosts: ['api.segment.io', 'events.eu1.segmentapis.com'] });
    });
    afterAll(async () => {
      enableNetwork();
      setResolverForTests(undefined);
      const opened = trap443;
      if (opened) await new Promise((r) => opened.server.close(r));
    });
    afterEach(() => expect(trap443?.count() ?? 0).toBe(0));

    it.each([
      [[{ address: '127.0.0.1', family: 4 }]],
      [[{ address: '10.0.0.5', family: 4 }]],
      [[{ address: '169.254.169.254', family: 4 }]],
      [[{ address: '::1', family: 6 }]],
      [[{ address: '::ffff:127.0.0.1', family: 6 }]],
      [[{ address: 'fd00::1', family: 6 }]],
      [[{ address: '0.0.0.0', family: 4 }]],
    ])('an answer of %j is refused before connecting', async (answer) => {
      setResolverForTests(async () => answer);
      for (const action of ['apiCall', 'track'] as const) {
        const input = action === 'apiCall' ? { path: '/v1/track', body: { userId: 'u', event: 'E' } } : { userId: 'u', event: 'E' };
        const error = await t.testAction(action, { settings: { writeKey: KEY, region: 'us' }, input }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConfigurationError);
        expect((error as Error).message).toContain(`resolved to ${answer[0].address}, which is not a public address`);
      }
    });

    it('a mixed answer (public first, then private) is refused as a whole', async () => {
      setResolverForTests(async () => [
        { address: '52.1.2.3', family: 4 },
        { address: '127.0.0.1', family: 4 },
      ]);
      const error = await t.testCheck({ settings: { writeKey: KEY, region: 'eu' } });
      expect(error.result).toEqual({ ok: false, message: expect.stringContaining('events.eu1.segmentapis.com resolved to 127.0.0.1') });
    });
  });
});
