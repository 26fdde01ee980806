import { randomUUID } from 'node:crypto';
import { loadConfig } from '@hub/config';
import { dataSourceOptions, runMigrations } from '@hub/persistence';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import type { NewDelivery } from './delivery-row';
import { DeliveryStore, PLAN_BY_INDEX } from './delivery-store.service';

jest.setTimeout(60_000);

/** Inputs with everything COPY's text format and array literals must escape. */
const NASTY = ['back\\slash', 'tab\there', 'new\nline', 'cr\rhere', 'quote"s', "apo'strophe", '{braces,comma}', 'é€😀', '\\N', 'nul\u0000char'];

function row(i: number, extra: Partial<NewDelivery> = {}): NewDelivery {
  const input = { userId: `u-${i}`, event: 'E', messageId: `m-${i}`, properties: { note: NASTY[i % NASTY.length], i } };
  const inputJson = JSON.stringify(input);
  return {
    id: randomUUID(),
    action: 'track',
    status: 'queued',
    inputJson,
    inputBytes: Buffer.byteLength(inputJson),
    checkedVersion: '1.0.0',
    lastError: null,
    messageIds: [`m-${i}`, NASTY[i % NASTY.length].replace('\u0000', '')],
    source: 'programmatic',
    subscriptionId: null,
    sourceKey: null,
    ...extra,
  };
}

describe('DeliveryStore (Postgres)', () => {
  let ds: DataSource;
  let store: DeliveryStore;
  let ws: string;

  beforeAll(async () => {
    const config = loadConfig(process.env);
    await runMigrations(config.DATABASE_URL);
    ds = await new DataSource(dataSourceOptions(config.DATABASE_URL, 4)).initialize();
    store = new DeliveryStore(ds);
    ws = randomUUID();
    await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Store test', $2)`, [ws, `s-${ws}`]);
  });
  afterAll(() => ds?.destroy());

  const installation = async () =>
    ((await ds.query(`INSERT INTO installations (workspace_id, connector_id, connector_version, name) VALUES ($1, 'x', '1.0.0', 'x') RETURNING id`, [ws])) as { id: string }[])[0].id;

  it.each([
    ['COPY (many rows, no keys)', 400, false],
    ['INSERT (keyed rows)', 30, true],
  ])('%s: inputs, message ids and versions come back exactly as recorded, in order', async (_name, n, keyed) => {
    const inst = await installation();
    const rows = Array.from({ length: n }, (_, i) => row(i, keyed ? { sourceKey: `k-${i}` } : {}));
    rows[3] = { ...rows[3], status: 'dead', lastError: 'Invalid input: tab\there, back\\slash', checkedVersion: null };
    const inserted = await store.insert(ws, inst, rows);
    expect(inserted.size).toBe(n);

    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      const { rows: claimed, full } = await store.claim(qr, ws, inst, { maxRows: 1000, maxBytes: 10_000_000, itemOverheadBytes: 0 });
      expect(full).toBe(false);
      const expected = rows.filter((r) => r.status === 'queued');
      expect(claimed.map((c) => c.id)).toEqual(expected.map((r) => r.id));
      claimed.forEach((c, k) => {
        expect(c.input).toEqual(JSON.parse(expected[k].inputJson));
        expect(c.inputBytes).toBe(expected[k].inputBytes);
        expect(c.messageIds).toEqual(expected[k].messageIds);
        expect(c.checkedVersion).toBe('1.0.0');
      });
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
    const [dead] = (await ds.query(`SELECT last_error, checked_version FROM deliveries WHERE id = $1`, [rows[3].id])) as { last_error: string; checked_version: null }[];
    expect(dead).toEqual({ last_error: 'Invalid input: tab\there, back\\slash', checked_version: null });
    if (keyed) expect((await store.insert(ws, inst, rows.slice(0, 5))).size).toBe(0);
  });

  it('a claim is the prefix that fits the byte budget, says when the budget cut it, and never splits a request with atLeastOne off', async () => {
    const inst = await installation();
    const rows = Array.from({ length: 300 }, (_, i) => row(i));
    await store.insert(ws, inst, rows);
    const size = rows[0].inputBytes + 100;
    const budget = { maxRows: 200, maxBytes: size * 50 + 10, itemOverheadBytes: 100 };
    const qr = ds.createQueryRunner();
    await qr.startTransaction();
    try {
      const first = await store.claim(qr, ws, inst, budget);
      expect(first.full).toBe(true);
      const bytes = first.rows.reduce((n, r) => n + r.inputBytes + 100, 0);
      expect(bytes).toBeLessThanOrEqual(budget.maxBytes);
      expect(first.rows.length).toBeGreaterThanOrEqual(45);
      // Nothing fits in 10 bytes: with atLeastOne off, nothing is claimed.
      const none = await store.claim(qr, ws, inst, { ...budget, maxBytes: 10 }, first.rows[first.rows.length - 1].seq, false);
      expect(none.rows).toEqual([]);
      const one = await store.claim(qr, ws, inst, { ...budget, maxBytes: 10 }, first.rows[first.rows.length - 1].seq);
      expect(one.rows).toHaveLength(1);

      // Sent: input cleared; ids the connector reported otherwise replace the held ones.
      await store.markSent(qr, ws, [{ id: first.rows[0].id, messageIds: ['other-"id'] }, ...first.rows.slice(1).map((r) => ({ id: r.id }))]);
      const after = (await qr.query(`SELECT id, status, input, message_ids, attempts FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY seq`, [
        first.rows.map((r) => r.id),
      ])) as { status: string; input: unknown; message_ids: string[]; attempts: number }[];
      expect(after.every((r) => r.status === 'sent' && r.input === null && r.attempts === 1)).toBe(true);
      expect(after[0].message_ids).toEqual(['other-"id']);
      expect(after[1].message_ids).toEqual(first.rows[1].messageIds);
    } finally {
      await qr.rollbackTransaction();
      await qr.release();
    }
  });

  it('PLAN_BY_INDEX: the claim walks the pending index (no bitmap scan of the backlog) and is never JIT-compiled, even on a connection with JIT on', async () => {
    const inst = await installation();
    await store.insert(ws, inst, Array.from({ length: 300 }, (_, i) => row(i)));
    // A plain connection: no hub startup options, so JIT is whatever the server says.
    const client = new Client({ connectionString: loadConfig(process.env).DATABASE_URL });
    await client.connect();
    try {
      await client.query('BEGIN');
      await client.query(PLAN_BY_INDEX);
      // The store's own claim statement, explained instead of run.
      let plan = '';
      const explaining = {
        query: async (sql: string, params: unknown[]) => {
          const { rows } = await client.query(`EXPLAIN (FORMAT JSON) ${sql}`, params);
          plan = JSON.stringify(rows[0]['QUERY PLAN']);
          return [];
        },
      };
      await store.claim(explaining as never, ws, inst, { maxRows: 50, maxBytes: 500_000, itemOverheadBytes: 320 });
      expect(plan).toContain('deliveries_pending_idx');
      expect(plan).not.toContain('Bitmap');
      expect(plan).not.toContain('"JIT"');
    } finally {
      await client.query('ROLLBACK');
      await client.end();
    }
  });
});
