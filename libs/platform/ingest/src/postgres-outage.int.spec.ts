import { basic, inboxRows, type IngestTestApp, type SegmentInstallation, segmentInstallation, startIngestApp, tenant } from '../test/ingest-test-app';
import { TcpCutter, throughCutter } from '../test/tcp-cutter';

interface Sent {
  messageId: string;
  status: number;
  ms: number;
  message?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Postgres unavailable under traffic: the ingest pool reaches Postgres through a forwarder the
 * test cuts (the shared server keeps running for everyone else). Every answer is 200 or 503,
 * each within Segment's 5 s, and once Postgres is back the sender's retries of the 503s leave
 * every message committed.
 */
describe('Postgres unavailable during inbound traffic (real PostgreSQL behind a cuttable link)', () => {
  let t: IngestTestApp;
  let cutter: TcpCutter;
  let seg: SegmentInstallation;

  beforeAll(async () => {
    const db = new URL(process.env.DATABASE_URL as string);
    cutter = new TcpCutter(db.hostname, Number(db.port || 5432));
    const port = await cutter.start();
    t = await startIngestApp({ ingestDatabaseUrl: throughCutter(db.toString(), port) });
    seg = await segmentInstallation(t, await tenant(t));
  });
  afterAll(async () => {
    await t?.close();
    await cutter?.stop();
  });

  const send = async (n: string): Promise<Sent> => {
    const started = Date.now();
    const res = await t.http().post('/hooks/segment').set('authorization', basic(seg.apiKey)).send({ type: 'track', userId: 'u', event: 'Outage', messageId: `outage-${n}` });
    return { messageId: `outage-${n}`, status: res.status, ms: Date.now() - started, message: res.body.message };
  };

  async function traffic(label: string, during: () => Promise<void>): Promise<Sent[]> {
    const sent: Sent[] = [];
    let stop = false;
    const loop = (async () => {
      for (let i = 0; !stop; i++) {
        sent.push(await send(`${label}-${i}`));
        await sleep(20);
      }
    })();
    await during();
    stop = true;
    await loop;
    return sent;
  }

  async function retryUntilStored(sent: Sent[]): Promise<void> {
    // What Segment does with a 503: send the same message again later.
    for (const s of sent.filter((x) => x.status !== 200)) {
      const again = await send(s.messageId.replace('outage-', ''));
      expect(again.status).toBe(200);
    }
    const stored = new Set((await inboxRows(t, seg.id)).flatMap((r) => r.events.map((e) => e.messageId)));
    for (const s of sent) expect(stored.has(s.messageId)).toBe(true);
  }

  it.each([
    ['stops answering (blackhole)', () => cutter.blackhole()],
    ['refuses connections', () => cutter.refuse()],
  ])('answers 503 within 5 s while Postgres %s, then recovers with nothing lost', async (_label, cut) => {
    const label = `${Date.now()}`;
    const sent = await traffic(label, async () => {
      await sleep(300);
      cut();
      await sleep(7000); // longer than the key cache, so uncached lookups fail too
      cutter.restore();
      await sleep(1500);
    });
    const statuses = new Set(sent.map((s) => s.status));
    expect([...statuses].every((s) => s === 200 || s === 503)).toBe(true);
    expect(sent.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    expect(sent.at(-1)?.status).toBe(200);
    expect(Math.max(...sent.map((s) => s.ms))).toBeLessThan(5000);
    expect(sent.find((s) => s.status === 503)?.message).toContain('retry');
    await retryUntilStored(sent);
  }, 60_000);
});
