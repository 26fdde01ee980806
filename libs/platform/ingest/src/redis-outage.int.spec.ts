import { basic, inboxRows, type IngestTestApp, segmentInstallation, startIngestApp, tenant } from '../test/ingest-test-app';

/**
 * Redis is the dispatcher, not the store: with Redis unreachable the row is committed and the
 * sender gets its 200 at once; the worker's relay drains the row later (TEAM.md contract 2).
 */
describe('Redis unavailable (real PostgreSQL, Redis on a closed port)', () => {
  let t: IngestTestApp;

  beforeAll(async () => {
    t = await startIngestApp({ env: { REDIS_URL: 'redis://127.0.0.1:1' } });
  });
  afterAll(() => t?.close());

  it('still answers 200 quickly once the inbox row is committed', async () => {
    const who = await tenant(t);
    // Creating an enabled installation registers no schedulers for this connector (no jobs).
    const seg = await segmentInstallation(t, who);
    for (let i = 0; i < 3; i++) {
      const started = Date.now();
      await t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).send({ type: 'track', userId: 'u', event: 'No Redis', messageId: `nr-${i}` }).expect(200);
      expect(Date.now() - started).toBeLessThan(1500);
    }
    const ids = (await inboxRows(t, seg.id)).flatMap((r) => r.events.map((e) => e.messageId));
    expect(ids).toEqual(['nr-0', 'nr-1', 'nr-2']);
  });
});
