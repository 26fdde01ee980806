/**
 * Pins what `@segment/analytics-node` 3.1.0 (PROTOCOLS.md: "verify") actually does, against the
 * local Tracking API stand-in. The connector's design rests on each of these facts; a version
 * bump that changes one fails here first.
 */
import { SegmentStandIn, withNetworkDisabled } from '@hub/testing';
import { Analytics, type HTTPFetchFn } from '@segment/analytics-node';

const KEY = 'pinWriteKey0000000001';

describe('@segment/analytics-node 3.1.0 behaviour', () => {
  let s: SegmentStandIn;
  beforeAll(async () => {
    s = await SegmentStandIn.start({ writeKeys: [KEY], keepBodies: 5 });
  });
  afterAll(() => s.stop());
  beforeEach(() => s.reset());

  const client = (extra: Partial<ConstructorParameters<typeof Analytics>[0]> = {}) =>
    new Analytics({ writeKey: KEY, host: s.url, flushAt: 1, flushInterval: 50, maxRetries: 0, ...extra });

  it('is the pinned version', () => {
    expect(require('@segment/analytics-node/package.json').version).toBe('3.1.0');
  });

  it('keeps a caller-supplied messageId (stable ids across retries are how Segment dedupes)', async () => {
    await withNetworkDisabled(async () => {
      const a = client();
      a.track({ userId: 'u1', event: 'Kept', messageId: 'caller-chosen-id-1' });
      a.identify({ userId: 'u1', messageId: 'caller-chosen-id-2' });
      await a.closeAndFlush();
    });
    expect([...s.received.keys()].sort()).toEqual(['caller-chosen-id-1', 'caller-chosen-id-2']);
  });

  it('sends {batch, writeKey, sentAt} to /v1/batch with Basic auth', async () => {
    await withNetworkDisabled(async () => {
      const a = client();
      a.track({ userId: 'u1', event: 'Shape', messageId: 'shape-1' });
      await a.closeAndFlush();
    });
    const [req] = s.requests;
    expect(req.path).toBe('/v1/batch');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from(`${KEY}:`).toString('base64')}`);
    expect(Object.keys(req.body as object).sort()).toEqual(['batch', 'sentAt', 'writeKey']);
  });

  it("its size guard does not measure bytes: a 40 KB event passes it, and Segment refuses the request", async () => {
    const outcome = await withNetworkDisabled(
      () =>
        new Promise<unknown>((resolve) => {
          const a = client();
          a.track({ userId: 'u1', event: 'Big', messageId: 'big-1', properties: { blob: 'a'.repeat(40 * 1024) } }, (err) => resolve(err));
          void a.closeAndFlush();
        }),
    );
    // The library sent it (its guard would have refused it with "exceeds maximum event size")...
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]).toMatchObject({ status: 400, violatesLimits: true });
    // ...and reports only the 400.
    expect(String(outcome)).toContain('400');
  });

  it('lets a batch exceed 500 KB: twenty 30 KB events go out as one request', async () => {
    await withNetworkDisabled(async () => {
      const a = client({ flushAt: 20, flushInterval: 10_000 });
      for (let i = 0; i < 20; i++) a.track({ userId: 'u1', event: 'Wide', messageId: `wide-${i}`, properties: { blob: 'b'.repeat(30 * 1024) } });
      await a.closeAndFlush();
    });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0].bytes).toBeGreaterThan(500 * 1024);
    expect(s.requests[0].status).toBe(400);
    expect(s.distinctMessages).toBe(0);
  });

  it('after its retries it drops the batch without throwing: only the callback or the emitter tell', async () => {
    s.failNext(3, { status: 503 });
    const errors: unknown[] = [];
    await withNetworkDisabled(async () => {
      const a = client({ maxRetries: 2 });
      a.on('error', (e) => errors.push(e));
      a.track({ userId: 'u1', event: 'Lost', messageId: 'lost-1' });
      await expect(a.closeAndFlush()).resolves.toBeUndefined();
    });
    expect(s.requests.map((r) => r.status)).toEqual([503, 503, 503]);
    expect(s.requests.map((r) => r.headers['x-retry-count'])).toEqual([undefined, '1', '2']);
    expect(errors).toEqual([expect.objectContaining({ code: 'delivery_failure' })]);
    expect(s.distinctMessages).toBe(0);
    // Its backoff (500 ms minimum, exponential, jittered) can take a few seconds.
  }, 30_000);

  it('never retries a 400', async () => {
    s.failNext(1, { status: 400, body: { message: 'bad' } });
    await withNetworkDisabled(async () => {
      const a = client({ maxRetries: 5 });
      a.track({ userId: 'u1', event: 'Bad', messageId: 'bad-1' });
      await a.closeAndFlush();
    });
    expect(s.requests).toHaveLength(1);
  });

  it('on 429 with Retry-After it sleeps in-process and retries without consuming maxRetries', async () => {
    s.rateLimitNext(1, 1);
    const started = Date.now();
    await withNetworkDisabled(async () => {
      const a = client({ maxRetries: 0 });
      a.track({ userId: 'u1', event: 'Later', messageId: 'later-1' });
      await a.closeAndFlush();
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(s.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(s.received.get('later-1')).toBe(1);
  });

  it('counts a 3xx answer as delivered', async () => {
    const fetch307: HTTPFetchFn = async () => ({ status: 307, statusText: 'Temporary Redirect', headers: { location: 'http://127.0.0.1:9/' } });
    const outcome = await new Promise<unknown>((resolve) => {
      const a = client({ httpClient: fetch307 });
      a.track({ userId: 'u1', event: 'Moved', messageId: 'moved-1' }, (err) => resolve(err ?? 'delivered'));
      void a.closeAndFlush();
    });
    expect(outcome).toBe('delivered');
  });
});
