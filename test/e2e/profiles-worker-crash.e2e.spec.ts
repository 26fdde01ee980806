/**
 * Reliability of the drain with the built apps as processes: the worker is SIGKILLed and
 * restarted while batches flow, and the run's Redis keys are flushed (queued jobs, dedup keys
 * and schedulers lost). Every accepted messageId must be projected exactly once: one event row,
 * and counted once in the catalog and in the installation's counters.
 */
import Redis from 'ioredis';
import { Client } from 'pg';
import { batchBodies, messages, type RawMessage } from '../../tools/bench/ingest-traffic';
import { eventually, type HubUnderTest, startHub } from './profiles-hub';

const shape = { users: 300, accounts: 40 };

describe('exactly once through worker crashes and lost Redis jobs (built apps as processes)', () => {
  let hub: HubUnderTest;
  let db: Client;
  const accepted = new Map<string, string>();

  beforeAll(async () => {
    hub = await startHub({ HUB_INBOX_RELAY_INTERVAL_MS: '1000' });
    await hub.api('PUT', '/model-settings', { accountNameTrait: 'name', userEmailTrait: 'email', accountIdProperty: 'accountId', pageEvents: true });
    db = new Client({ connectionString: process.env.DATABASE_URL });
    await db.connect();
  }, 120_000);
  afterAll(async () => {
    await db?.end();
    await hub?.close();
  }, 60_000);

  const auth = () => `Basic ${Buffer.from(`${hub.writeKey}:`).toString('base64')}`;

  /** Sends bodies two at a time; a batch is accepted (its messages count) only on a 2xx. */
  async function send(bodies: { body: string; messages: RawMessage[] }[], retryEvery = 0): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (next < bodies.length) {
        const i = next++;
        const copies = retryEvery && i % retryEvery === 0 ? 2 : 1; // a Segment retry of the same batch
        for (let c = 0; c < copies; c++) {
          const res = await fetch(`${hub.base}/v1/batch`, {
            method: 'POST',
            headers: { authorization: auth(), 'content-type': 'application/json' },
            body: bodies[i].body,
          });
          await res.text();
          if (res.status === 200) for (const m of bodies[i].messages) accepted.set(m.messageId, m.type);
          else throw new Error(`hub answered ${res.status}`);
        }
      }
    };
    await Promise.all([lane(), lane()]);
  }

  function bodiesOf(tag: string, count: number): { body: string; messages: RawMessage[] }[] {
    const out: { body: string; messages: RawMessage[] }[] = [];
    const all = [...messages(7, tag, 0, count, shape)];
    let at = 0;
    for (const b of batchBodies(all, 60 * 1024)) {
      out.push({ body: b.body, messages: all.slice(at, at + b.count) });
      at += b.count;
    }
    return out;
  }

  async function settled(): Promise<void> {
    await eventually(
      async () => {
        const { rows } = await db.query(`SELECT count(*)::int AS n FROM inbox WHERE workspace_id = $1 AND processed_at IS NULL`, [hub.workspaceId]);
        return rows[0].n === 0;
      },
      90_000,
      'every inbox row to be drained',
    );
  }

  async function expectExactlyOnce(): Promise<void> {
    const ids = [...accepted.keys()];
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE message_id = ANY($2))::int AS ours FROM events WHERE workspace_id = $1`,
      [hub.workspaceId, ids],
    );
    expect(rows[0]).toEqual({ n: accepted.size, ours: accepted.size });
    const tracks = [...accepted.values()].filter((t) => t === 'track').length;
    const { rows: catalog } = await db.query(`SELECT coalesce(sum(count), 0)::int AS n FROM catalog_events WHERE workspace_id = $1`, [hub.workspaceId]);
    expect(catalog[0].n).toBe(tracks);
    const { rows: inst } = await db.query(`SELECT event_counts FROM installations WHERE id = $1`, [hub.installationId]);
    const counts = inst[0].event_counts as Record<string, number>;
    for (const type of ['track', 'identify', 'page', 'group']) {
      expect({ type, n: counts[type] ?? 0 }).toEqual({ type, n: [...accepted.values()].filter((t) => t === type).length });
    }
    const { rows: failed } = await db.query(`SELECT count(*)::int AS n FROM inbox WHERE workspace_id = $1 AND drain_error IS NOT NULL`, [hub.workspaceId]);
    expect(failed[0].n).toBe(0);
  }

  it('projects every accepted messageId exactly once while the worker is SIGKILLed and restarted', async () => {
    const bodies = bodiesOf('crash', 12_000);
    const sending = send(bodies, 5);
    for (let kill = 0; kill < 4; kill++) {
      await new Promise((r) => setTimeout(r, 1200 + kill * 300));
      await hub.killWorker();
      await new Promise((r) => setTimeout(r, 300));
      await hub.startWorker();
    }
    await sending;
    await settled();
    await expectExactlyOnce();
  }, 180_000);

  it('loses nothing when the run’s Redis keys are flushed: the relay enqueues the drains again', async () => {
    const flush = async () => {
      const redis = new Redis(process.env.REDIS_URL as string);
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, 'MATCH', `${process.env.HUB_REDIS_PREFIX}:*`, 'COUNT', 1000);
          cursor = next;
          if (keys.length) await redis.del(...keys);
        } while (cursor !== '0');
      } finally {
        redis.disconnect();
      }
    };
    // With the worker down, the drain jobs wait in Redis; the flush loses them and the schedulers.
    await hub.killWorker();
    await send(bodiesOf('flush-a', 3000));
    await flush();
    await hub.startWorker();
    // And a flush while batches flow and the worker runs.
    const sending = send(bodiesOf('flush-b', 4000));
    await new Promise((r) => setTimeout(r, 800));
    await flush();
    await sending;
    await settled();
    await expectExactlyOnce();
  }, 180_000);
});
