import { randomUUID } from 'node:crypto';
import { runMigrations } from '@hub/persistence';
import { Pool } from 'pg';
import { InboxCommitter, type InboxEntry } from './inbox-committer';
import { createIngestPool } from './ingest-pool';
import { jsonbArrayParam } from './postgres-json';

/**
 * Group commit against the real PostgreSQL: shared statements, per-request failure isolation,
 * and that a request is answered only once its rows are committed (visible to another session).
 */
describe('InboxCommitter (real PostgreSQL)', () => {
  let pool: Pool;
  let reader: Pool;
  let ws: string;
  let inst: string;
  let statements = 0;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL as string;
    await runMigrations(url);
    pool = createIngestPool({ url, max: 4 });
    reader = new Pool({ connectionString: url, max: 1 });
    const slug = `gc-${randomUUID().slice(0, 8)}`;
    ws = (await reader.query(`INSERT INTO workspaces (name, slug) VALUES ($1, $1) RETURNING id`, [slug])).rows[0].id;
    inst = (
      await reader.query(
        `INSERT INTO installations (workspace_id, connector_id, connector_version, name, enabled, status)
         VALUES ($1, 'segment-destination', '1.0.0', 'gc', true, 'waiting_for_first_message') RETURNING id`,
        [ws],
      )
    ).rows[0].id;
  });
  afterAll(async () => {
    await pool?.end();
    await reader?.end();
  });

  const counting = () => ({
    query: (text: string, values: unknown[]) => {
      statements++;
      return pool.query(text, values);
    },
  });

  const entry = (events: unknown[], extra: Partial<InboxEntry> = {}): InboxEntry => ({
    workspaceId: ws,
    installationId: inst,
    receivedAt: new Date().toISOString(),
    eventCount: events.length,
    events: events.length > 0 ? jsonbArrayParam(events) : null,
    rejected: [],
    ...extra,
  });

  const rowsOf = async (tag: string) =>
    (
      await reader.query(`SELECT event_count, events FROM inbox WHERE installation_id = $1 AND events->0->>'tag' = $2 ORDER BY id`, [inst, tag])
    ).rows as { event_count: number; events: Record<string, unknown>[] }[];

  it('commits concurrent requests in few statements, one inbox row each, and answers after the commit', async () => {
    const committer = new InboxCommitter(counting(), { maxInFlight: 2, maxEntries: 256, maxBytes: 4 * 1024 * 1024 });
    statements = 0;
    const tag = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 60 }, async (_, n) => {
        await committer.commit(entry([{ tag, n, type: 'track' }]));
        // Answered: the row must already be visible to any other session.
        const { rows } = await reader.query(`SELECT 1 FROM inbox WHERE installation_id = $1 AND events->0->>'tag' = $2 AND (events->0->>'n')::int = $3`, [inst, tag, n]);
        return rows.length;
      }),
    );
    expect(answers).toEqual(Array(60).fill(1));
    expect(statements).toBeLessThanOrEqual(3);
    expect(await rowsOf(tag)).toHaveLength(60);
  });

  it('fails only the request whose rows Postgres refuses; the others of its group commit', async () => {
    const committer = new InboxCommitter(counting(), { maxInFlight: 1, maxEntries: 256, maxBytes: 4 * 1024 * 1024 });
    const tag = randomUUID();
    // An installation that does not exist: a foreign key violation (23503) for that request alone.
    const bad = entry([{ tag, n: -1 }], { installationId: randomUUID() });
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, n) => committer.commit(entry([{ tag, n }]))),
      committer.commit(bad),
      ...Array.from({ length: 20 }, (_, n) => committer.commit(entry([{ tag, n: 20 + n }]))),
    ]);
    expect(results.map((r) => r.status)).toEqual([...Array(20).fill('fulfilled'), 'rejected', ...Array(20).fill('fulfilled')]);
    expect((results[20] as PromiseRejectedResult).reason).toMatchObject({ code: '23503' });
    expect((await rowsOf(tag)).map((r) => r.events[0]['n']).sort((a, b) => (a as number) - (b as number))).toEqual(Array.from({ length: 40 }, (_, n) => n));
  });

  it('stores binary jsonb parameters as jsonb text would, NUL and lone surrogates replaced', async () => {
    const committer = new InboxCommitter(pool);
    const tag = randomUUID();
    const events = [{ tag, text: 'é😀 ユーザー', nul: 'a\u0000b', lone: 'x\udc00y', escaped: 'C:\\u0000', num: 1.5, nested: { list: [1, null, true] } }];
    await committer.commit(entry(events));
    const [row] = await rowsOf(tag);
    expect(row.event_count).toBe(1);
    expect(row.events).toEqual([{ ...events[0], nul: 'a\ufffdb', lone: 'x\ufffdy' }]);
  });

  it('writes rejected rows beside the inbox row, and a request with only rejected events', async () => {
    const committer = new InboxCommitter(pool);
    const messageId = `rej-${randomUUID()}`;
    const rejected = [`{"message_id":${JSON.stringify(messageId)},"batch_index":3,"errors":[{"path":"event","message":"is required"}],"bytes":42,"payload":{"type":"track"}}`];
    const receivedAt = '2024-05-01T12:00:00.000Z';
    await Promise.all([committer.commit(entry([{ tag: randomUUID() }], { rejected, receivedAt })), committer.commit(entry([], { rejected }))]);
    const { rows } = await reader.query(
      `SELECT workspace_id, installation_id, received_at, batch_index, errors, bytes, payload FROM rejected_events WHERE message_id = $1`,
      [messageId],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ workspace_id: ws, installation_id: inst, batch_index: 3, errors: [{ path: 'event', message: 'is required' }], bytes: 42, payload: { type: 'track' } });
    expect(rows.map((r) => (r.received_at as Date).toISOString())).toContain(receivedAt);
  });

  it('runs its statements without JIT (short OLTP statements; see OLTP_SESSION_OPTIONS)', async () => {
    const { rows } = await pool.query('SHOW jit');
    expect(rows).toEqual([{ jit: 'off' }]);
  });

  it('compresses large inbox rows with lz4', async () => {
    const committer = new InboxCommitter(pool);
    const tag = randomUUID();
    await committer.commit(entry(Array.from({ length: 200 }, (_, n) => ({ tag, n, pad: 'x'.repeat(100) }))));
    const { rows } = await reader.query(`SELECT pg_column_compression(events) AS method FROM inbox WHERE events->0->>'tag' = $1`, [tag]);
    expect(rows[0].method).toBe('lz4');
  });
});
