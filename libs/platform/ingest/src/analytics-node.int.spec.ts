import { Analytics } from '@segment/analytics-node';
import { inboxRows, type IngestTestApp, type SegmentInstallation, segmentInstallation, startIngestApp, tenant } from '../test/ingest-test-app';

/** Resolves with the per-call callback's error (undefined when the batch was delivered). */
const delivered = (call: (cb: (err?: unknown) => void) => void) => new Promise<unknown>((resolve) => call((err) => resolve(err)));

describe('@segment/analytics-node 3.1.0 pointed at the hub (real PostgreSQL)', () => {
  let t: IngestTestApp;
  let seg: SegmentInstallation;

  beforeAll(async () => {
    t = await startIngestApp();
    seg = await segmentInstallation(t, await tenant(t));
  });
  afterAll(() => t?.close());

  it('delivers every call type through /v1/batch with the write key, committed in the inbox', async () => {
    const analytics = new Analytics({ writeKey: seg.writeKey, host: t.baseUrl, flushAt: 3, flushInterval: 200, maxRetries: 2 });
    const context = { groupId: 'acme', app: { name: 'hub-test' } };
    const results = await Promise.all([
      delivered((cb) => analytics.identify({ userId: 'node-u1', traits: { email: 'ada@example.com', name: 'Ada' }, context }, cb)),
      delivered((cb) => analytics.group({ userId: 'node-u1', groupId: 'acme', traits: { name: 'Acme Inc' } }, cb)),
      delivered((cb) => analytics.track({ userId: 'node-u1', event: 'Report Built', properties: { revenue: 19.99 }, context }, cb)),
      delivered((cb) => analytics.page({ userId: 'node-u1', name: 'Pricing', properties: { url: 'https://example.com/pricing' } }, cb)),
      delivered((cb) => analytics.screen({ anonymousId: 'anon-1', name: 'Home' }, cb)),
      delivered((cb) => analytics.alias({ userId: 'node-u1', previousId: 'anon-1' }, cb)),
    ]);
    await analytics.closeAndFlush({ timeout: 5000 });
    expect(results).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);

    const rows = await inboxRows(t, seg.id);
    const events = rows.flatMap((r) => r.events);
    expect(events.map((e) => e.type).sort()).toEqual(['alias', 'group', 'identify', 'page', 'screen', 'track']);
    // Batched: several events per request, one inbox row per request.
    expect(rows.length).toBeLessThan(events.length);
    const track = events.find((e) => e.type === 'track');
    expect(track).toMatchObject({
      userId: 'node-u1',
      event: 'Report Built',
      properties: { revenue: 19.99 },
      context: expect.objectContaining({ groupId: 'acme', library: expect.objectContaining({ name: '@segment/analytics-node' }) }),
      messageId: expect.any(String),
      timestamp: expect.any(String),
      receivedAt: expect.any(String),
    });
    expect(events.find((e) => e.type === 'alias')).toMatchObject({ userId: 'node-u1', previousId: 'anon-1' });
    expect(JSON.stringify(rows)).not.toContain(seg.writeKey);
  });

  it('gets a 401 it does not retry for a wrong write key, and nothing is stored', async () => {
    const before = (await inboxRows(t, seg.id)).length;
    const analytics = new Analytics({ writeKey: 'hub_wk_wrong', host: t.baseUrl, flushAt: 1, maxRetries: 3 });
    const err = await delivered((cb) => analytics.track({ userId: 'x', event: 'Nope' }, cb));
    await analytics.closeAndFlush({ timeout: 5000 });
    expect(String((err as Error)?.message ?? err)).toContain('401');
    expect((await inboxRows(t, seg.id)).length).toBe(before);
  });
});
