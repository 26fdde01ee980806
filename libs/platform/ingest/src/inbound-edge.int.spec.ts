import { gzipSync } from 'node:zlib';
import { Queue } from 'bullmq';
import { ConnectorRunner } from '@hub/host';
import { redisConnectionOptions } from '@hub/queue';
import {
  basic,
  inboxRows,
  type IngestTestApp,
  rawPost,
  rejectedRows,
  type SegmentInstallation,
  segmentInstallation,
  startIngestApp,
  tenant,
  type Tenant,
} from '../test/ingest-test-app';
import { drainDeduplicationId, INGEST_QUEUE } from './drain-queue';

const SEGMENT_HEADERS = (key: string) => ({
  authorization: basic(key),
  'content-type': 'application/json',
  'user-agent': 'Segment.io/1.0',
  'x-segment-settings': Buffer.from(JSON.stringify({ apiKey: key, sendPageViews: true })).toString('base64'),
});

const track = (n: number | string, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Order Completed',
  userId: `user-${n}`,
  messageId: `msg-${n}`,
  properties: { revenue: 19.99 },
  ...extra,
});

describe('inbound edge (real PostgreSQL and Redis)', () => {
  let t: IngestTestApp;
  let a: Tenant;
  let seg: SegmentInstallation;
  let queue: Queue;

  beforeAll(async () => {
    t = await startIngestApp();
    a = await tenant(t);
    seg = await segmentInstallation(t, a);
    queue = new Queue(INGEST_QUEUE, { connection: redisConnectionOptions(process.env.REDIS_URL as string), prefix: process.env.HUB_REDIS_PREFIX });
  });
  afterAll(async () => {
    await queue?.close();
    await t?.close();
  });

  it('issues both keys once at creation and shows the installation waiting for its first message', async () => {
    expect(seg.apiKey).toMatch(/^hub_ak_[A-Za-z0-9_-]{43}$/);
    expect(seg.writeKey).toMatch(/^hub_wk_[A-Za-z0-9_-]{43}$/);
    expect(seg.body.status).toBe('waiting_for_first_message');
    const got = await t.http().get(`/api/v1/workspaces/${a.ws}/installations/${seg.id}`).set('authorization', a.auth).expect(200);
    expect(got.body.inboundKeys).toEqual([
      expect.objectContaining({ name: 'apiKey', prefix: seg.apiKey.slice(0, 11), masked: `${seg.apiKey.slice(0, 11)}••••••`, expiresAt: null }),
      expect.objectContaining({ name: 'writeKey', prefix: seg.writeKey.slice(0, 11) }),
    ]);
    expect(JSON.stringify(got.body)).not.toContain(seg.apiKey);
    const list = await t.http().get(`/api/v1/workspaces/${a.ws}/installations`).set('authorization', a.auth).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(seg.writeKey);
    // Stored as hashes only.
    const stored = JSON.stringify(await t.db.query(`SELECT * FROM inbound_keys WHERE installation_id = $1`, [seg.id]));
    expect(stored).not.toContain(seg.apiKey.slice(12));
    expect(stored).not.toContain(seg.writeKey.slice(12));
  });

  it('keeps waiting_for_first_message / receiving through enable, check and disable (the drain flips it)', async () => {
    const seg2 = await segmentInstallation(t, a, false);
    const base = `/api/v1/workspaces/${a.ws}/installations/${seg2.id}`;
    const enabled = await t.http().post(`${base}/enable`).set('authorization', a.auth).expect(200);
    expect(enabled.body.status).toBe('waiting_for_first_message');
    // What the drain does after the first events (H3's worker, TEAM.md contract 7).
    await t.db.query(`UPDATE installations SET status = 'receiving', last_event_at = now() WHERE id = $1`, [seg2.id]);
    const checked = await t.http().post(`${base}/check`).set('authorization', a.auth).expect(200);
    expect(checked.body.ok).toBe(true);
    expect((await t.http().get(base).set('authorization', a.auth)).body.status).toBe('receiving');
    await t.http().post(`${base}/disable`).set('authorization', a.auth).expect(200);
    expect((await t.http().post(`${base}/enable`).set('authorization', a.auth).expect(200)).body.status).toBe('receiving');
  });

  it('commits a partner delivery with the headers Segment sends, then enqueues the drain', async () => {
    const res = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(seg.apiKey)).send(track(1));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true });
    const rows = await inboxRows(t, seg.id);
    expect(rows.at(-1)).toMatchObject({ event_count: 1, events: [expect.objectContaining({ messageId: 'msg-1', type: 'track', receivedAt: expect.any(String) })] });
    expect(await queue.getDeduplicationJobId(drainDeduplicationId(a.ws))).toBeTruthy();
    const jobs = await queue.getJobs(['waiting', 'prioritized', 'delayed', 'active']);
    expect(jobs.some((j) => j.name === 'drain-inbox' && JSON.stringify(j.data) === JSON.stringify({ workspaceId: a.ws }))).toBe(true);
  });

  it('stores one bad event of a batch aside and accepts the rest in one inbox row', async () => {
    const big = track('big', { properties: { blob: 'x'.repeat(33 * 1024) } });
    const res = await t
      .http()
      .post('/hooks/segment')
      .set(SEGMENT_HEADERS(seg.apiKey))
      .send({ batch: [track(2), { type: 'track', userId: 'u', messageId: 'no-event' }, big, track(3)] });
    expect(res.status).toBe(200);
    const last = (await inboxRows(t, seg.id)).at(-1);
    expect(last?.events.map((e) => e.messageId)).toEqual(['msg-2', 'msg-3']);
    const rejected = await rejectedRows(t, seg.id);
    expect(rejected.slice(-2)).toEqual([
      expect.objectContaining({ message_id: 'no-event', batch_index: 1, errors: [expect.objectContaining({ path: 'event' })] }),
      expect.objectContaining({ message_id: 'msg-big', batch_index: 2, payload: null, bytes: expect.any(Number) }),
    ]);
    expect(rejected.at(-1)?.bytes).toBeGreaterThan(32 * 1024);
  });

  it('answers 400 with the reason for a single message it cannot keep, and keeps it visible', async () => {
    const res = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(seg.apiKey)).send({ type: 'track', messageId: 'lonely', event: 'X' });
    expect(res.status).toBe(400);
    expect(res.body.message).toContain('userId or anonymousId is required');
    expect((await rejectedRows(t, seg.id)).at(-1)).toMatchObject({ message_id: 'lonely', batch_index: 0 });
  });

  it('answers 401 for missing, unknown and wrong-kind keys, with a message', async () => {
    const cases = [
      t.http().post('/hooks/segment').send(track(9)),
      t.http().post('/hooks/segment').set('authorization', basic('hub_ak_nope')).send(track(9)),
      t.http().post('/hooks/segment').set('authorization', basic(seg.writeKey)).send(track(9)),
      t.http().post('/v1/batch').set('authorization', basic(seg.apiKey)).send({ batch: [track(9)] }),
      t.http().post('/v1/track').send({ ...track(9), writeKey: 'hub_wk_unknown' }),
      t.http().post('/hooks/segment').set('authorization', 'Bearer something').send(track(9)),
    ];
    for (const res of await Promise.all(cases)) {
      expect(res.status).toBe(401);
      expect(res.body.message).toEqual(expect.any(String));
    }
    expect((await inboxRows(t, seg.id)).flatMap((r) => r.events).some((e) => e.messageId === 'msg-9')).toBe(false);
  });

  it('refuses a disabled installation with 403 and a message', async () => {
    const off = await segmentInstallation(t, a, false);
    expect(off.body.status).toBe('disabled');
    const res = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(off.apiKey)).send(track(10));
    expect(res.status).toBe(403);
    expect(res.body.message).toContain('disabled');
    await t.http().post(`/api/v1/workspaces/${a.ws}/installations/${off.id}/enable`).set('authorization', a.auth).expect(200);
  });

  it('takes the Tracking API with Basic auth, with writeKey in the body, gzip, and analytics.js paths', async () => {
    const batch = { batch: [track('tb1'), track('tb2')], writeKey: seg.writeKey, sentAt: new Date().toISOString() };
    const gz = await rawPost(
      t,
      '/v1/batch',
      { authorization: basic(seg.writeKey), 'content-type': 'application/json', 'content-encoding': 'gzip' },
      gzipSync(Buffer.from(JSON.stringify(batch))),
    );
    expect(gz.body).toEqual({ success: true });
    const browser = await t
      .http()
      .post('/v1/t')
      .set('content-type', 'text/plain')
      .send(JSON.stringify({ ...track('tb3'), type: undefined, writeKey: seg.writeKey }));
    expect(browser.status).toBe(200);
    expect(browser.headers['access-control-allow-origin']).toBe('*');
    const ids = (await inboxRows(t, seg.id)).flatMap((r) => r.events.map((e) => e.messageId));
    expect(ids).toEqual(expect.arrayContaining(['msg-tb1', 'msg-tb2', 'msg-tb3']));
  });

  it('never stores the body write key, not even with a rejected event', async () => {
    await t.http().post('/v1/track').send({ anonymousId: 'a', writeKey: seg.writeKey, messageId: 'no-name' }).expect(400);
    const rejected = await rejectedRows(t, seg.id);
    expect(rejected.at(-1)).toMatchObject({ message_id: 'no-name' });
    expect(JSON.stringify(rejected)).not.toContain(seg.writeKey);
    expect(JSON.stringify(await t.db.query(`SELECT events FROM inbox WHERE installation_id = $1`, [seg.id]))).not.toContain(seg.writeKey);
  });

  it('caps bodies before parsing: 413 above the cap, for gzip bombs too; 415 and 400 for wrong encodings', async () => {
    const huge = Buffer.alloc(5 * 1024 * 1024, 0x20);
    const tooBig = await rawPost(t, '/hooks/segment', SEGMENT_HEADERS(seg.apiKey), huge);
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.message).toContain('larger than');
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    expect(bomb.length).toBeLessThan(100 * 1024);
    const bombed = await rawPost(t, '/v1/batch', { authorization: basic(seg.writeKey), 'content-encoding': 'gzip', 'content-type': 'application/json' }, bomb);
    expect(bombed.status).toBe(413);
    const xml = await t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).set('content-type', 'application/xml').send('<a/>');
    expect(xml.status).toBe(415);
    const br = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(seg.apiKey)).set('content-encoding', 'br').send('{}');
    expect(br.status).toBe(415);
    const notGzip = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(seg.apiKey)).set('content-encoding', 'gzip').send('{"type":"track"}');
    expect(notGzip.status).toBe(400);
    expect(notGzip.body.message).toEqual(expect.any(String));
  });

  it('answers 501 for delete notifications and 404 for unknown Tracking API endpoints', async () => {
    const del = await t.http().post('/hooks/segment').set(SEGMENT_HEADERS(seg.apiKey)).send({ type: 'delete', userId: 'u1', messageId: 'd1' });
    expect(del.status).toBe(501);
    expect(del.body.message).toContain('not supported');
    const unknown = await t.http().post('/v1/nope').set('authorization', basic(seg.writeKey)).send({ userId: 'u' });
    expect(unknown.status).toBe(404);
  });

  it('leaves the admin API on its own JSON parser and bearer auth', async () => {
    await t.http().get(`/api/v1/workspaces/${a.ws}/installations`).expect(401);
    const bad = await t.http().post(`/api/v1/workspaces/${a.ws}/installations`).set('authorization', a.auth).set('content-type', 'application/json').send('{"connectorId":');
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('MALFORMED_JSON');
  });

  it('runs ConnectorContext.emit of connector code through the same inbox', async () => {
    const runner = t.app.get(ConnectorRunner);
    const prepared = await runner.prepare(a.ws, seg.id);
    const ctx = runner.context(prepared, { runId: 'test', signal: new AbortController().signal });
    const result = await ctx.emit([track('emit-1'), { type: 'identify' }]);
    expect(result).toEqual({ accepted: 1, rejected: [{ index: 1, reason: expect.stringContaining('userId or anonymousId is required') }] });
    expect((await inboxRows(t, seg.id)).at(-1)?.events.map((e) => e.messageId)).toEqual(['msg-emit-1']);
  });
});
