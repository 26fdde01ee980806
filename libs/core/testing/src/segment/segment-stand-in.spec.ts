import { SegmentStandIn } from './segment-stand-in';

const KEY = 'standInWriteKey0001';
const basic = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
const event = (i: number, extra: Record<string, unknown> = {}) => ({ type: 'track', event: 'E', userId: 'u', messageId: `m-${i}`, ...extra });

describe('Segment Tracking API stand-in', () => {
  let s: SegmentStandIn;
  beforeAll(async () => {
    s = await SegmentStandIn.start({ writeKeys: [KEY] });
  });
  afterAll(() => s.stop());
  beforeEach(() => s.reset());

  const post = (path: string, body: unknown, headers: Record<string, string> = { authorization: basic(KEY) }) =>
    fetch(`${s.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('accepts a batch with Basic auth and records each messageId', async () => {
    const res = await post('/v1/batch', { batch: [event(1), event(2)] });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true });
    expect([...s.received]).toEqual([
      ['m-1', 1],
      ['m-2', 1],
    ]);
    expect(s.requests[0]).toMatchObject({ path: '/v1/batch', events: 2, status: 200, violatesLimits: false });
  });

  it('counts messageIds that arrive more than once (what Segment would dedupe)', async () => {
    await post('/v1/batch', { batch: [event(1), event(2)] });
    await post('/v1/batch', { batch: [event(2), event(3)] });
    await post('/v1/track', event(2));
    expect(s.duplicates()).toEqual(['m-2']);
    expect(s.duplicateCount).toBe(1);
    expect(s.received.get('m-2')).toBe(3);
    s.reset();
    expect(s.duplicateCount).toBe(0);
  });

  it('accepts writeKey in the body; refuses a missing or unknown key with 401', async () => {
    expect((await post('/v1/track', { ...event(3), writeKey: KEY }, {})).status).toBe(200);
    expect((await post('/v1/track', event(4), {})).status).toBe(401);
    expect((await post('/v1/track', event(5), { authorization: basic('nope') })).status).toBe(401);
    expect(s.distinctMessages).toBe(1);
  });

  it('answers 400 to bad JSON, an event over 32 KB and a request over 500 KB', async () => {
    expect((await post('/v1/batch', '{"batch": [')).status).toBe(400);
    const big = await post('/v1/track', event(6, { properties: { blob: 'x'.repeat(33 * 1024) } }));
    expect(big.status).toBe(400);
    const many = Array.from({ length: 20 }, (_, i) => event(100 + i, { properties: { blob: 'y'.repeat(30 * 1024) } }));
    const huge = await post('/v1/batch', { batch: many });
    expect(huge.status).toBe(400);
    expect(s.distinctMessages).toBe(0);
    expect(s.violations).toBe(2);
  });

  it('answers 200 and drops a batch over 2,500 events, and events without a user or anonymous id', async () => {
    const over = Array.from({ length: 2501 }, (_, i) => event(i));
    expect((await post('/v1/batch', { batch: over })).status).toBe(200);
    expect(s.distinctMessages).toBe(0);
    expect(s.dropped.too_many_events).toBe(2501);
    expect((await post('/v1/batch', { batch: [{ type: 'track', event: 'E', messageId: 'anon' }, event(7)] })).status).toBe(200);
    expect([...s.received.keys()]).toEqual(['m-7']);
    expect(s.dropped.missing_identity).toBe(1);
  });

  it('merges batch-level context and integrations into each item', async () => {
    await post('/v1/batch', { batch: [event(8, { context: { ip: '1.2.3.4' } })], context: { app: 'a', ip: 'x' }, integrations: { All: false } });
    expect(s.accepted[0].message).toMatchObject({ context: { app: 'a', ip: '1.2.3.4' }, integrations: { All: false } });
  });

  it('plays scripted 429 with Retry-After and 5xx, then judges again', async () => {
    s.rateLimitNext(1, 7).failNext(1, { status: 503 });
    const limited = await post('/v1/track', event(9));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await post('/v1/track', event(9))).status).toBe(503);
    expect((await post('/v1/track', event(9))).status).toBe(200);
    expect(s.received.get('m-9')).toBe(1);
  });

  it('goes down (connections refused) and comes back on the same port', async () => {
    const url = s.url;
    await s.down();
    await expect(post('/v1/track', event(10))).rejects.toThrow();
    await s.up();
    expect(s.url).toBe(url);
    expect((await post('/v1/track', event(10))).status).toBe(200);
  });
});
