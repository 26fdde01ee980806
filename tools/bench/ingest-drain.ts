/**
 * `node -r @swc-node/register tools/bench/ingest-drain.ts [--events N] [--users N] [--accounts N]`
 *
 * The worker's projection alone, without HTTP or queues: inbox rows as the edge writes them
 * (normalized by `@hub/event-model`, ~480 KB per row) are inserted untimed, then drained by
 * `InboxDrain` and timed, statement by statement. For tuning the drain's SQL; the end-to-end
 * figures come from `npm run bench:ingest`.
 */
import { randomBytes } from 'node:crypto';
import { normalizeMessage } from '@hub/event-model';
import { dataSourceOptions, runMigrations } from '@hub/persistence';
import { InboxDrain } from '@hub/profiles';
import { Client } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import { batchBodies, messages } from './ingest-traffic';

const arg = (flag: string, fallback: number) => {
  const i = process.argv.indexOf(flag);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};

async function main(): Promise<void> {
  const events = arg('--events', 200_000);
  const shape = { users: arg('--users', 200_000), accounts: arg('--accounts', 20_000) };
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `hub_bench_drain_${randomBytes(4).toString('hex')}`;
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  try {
    await runMigrations(url.toString());
    if (process.env.HUB_BENCH_EXPLAIN) {
      // Plans of slow drain statements in the PostgreSQL server log.
      for (const setting of [
        `session_preload_libraries = 'auto_explain'`,
        `auto_explain.log_min_duration = ${Number(process.env.HUB_BENCH_EXPLAIN)}`,
        'auto_explain.log_analyze = on',
        'auto_explain.log_buffers = on',
      ]) {
        await admin.query(`ALTER DATABASE "${name}" SET ${setting}`);
      }
    }
    const db = await new DataSource(dataSourceOptions(url.toString(), 4)).initialize();
    const [ws] = await db.query(`INSERT INTO workspaces (name, slug) VALUES ('d', 'd') RETURNING id`);
    const [inst] = await db.query(
      `INSERT INTO installations (workspace_id, connector_id, connector_version, name, enabled, status)
       VALUES ($1, 'segment-destination', '0.1.0', 's', true, 'waiting_for_first_message') RETURNING id`,
      [ws.id],
    );
    await db.query(
      `INSERT INTO profile_settings (workspace_id, account_id_property, page_events) VALUES ($1, 'accountId', true)`,
      [ws.id],
    );
    const receivedAt = new Date();
    let rows = 0;
    for (const body of batchBodies(messages(1, 'drain', 0, events, shape), 480 * 1024)) {
      const normalized = (JSON.parse(body.body).batch as unknown[]).map((m) => {
        const r = normalizeMessage(m, { receivedAt });
        if (!r.ok) throw new Error(JSON.stringify(r.errors));
        return r.message;
      });
      await db.query(`INSERT INTO inbox (workspace_id, installation_id, event_count, events) VALUES ($1, $2, $3, $4::jsonb)`, [
        ws.id,
        inst.id,
        normalized.length,
        JSON.stringify(normalized),
      ]);
      rows++;
    }
    await db.query('CHECKPOINT');
    const timings = new Map<string, { ms: number; n: number }>();
    const create = db.createQueryRunner.bind(db);
    (db as { createQueryRunner: typeof db.createQueryRunner }).createQueryRunner = (...a) => {
      const qr: QueryRunner = create(...a);
      const query = qr.query.bind(qr);
      qr.query = (async (sql: string, params?: unknown[]) => {
        const started = performance.now();
        try {
          return await query(sql, params);
        } finally {
          const key = sql.replace(/\s+/g, ' ').trim().slice(0, 60);
          const t = timings.get(key) ?? { ms: 0, n: 0 };
          t.ms += performance.now() - started;
          t.n++;
          timings.set(key, t);
        }
      }) as typeof qr.query;
      return qr;
    };
    const started = performance.now();
    const result = await new InboxDrain(db).drainWorkspace(ws.id);
    const ms = performance.now() - started;
    const out = [...timings].sort((a, b) => b[1].ms - a[1].ms).map(([sql, t]) => ({ sql, ms: Math.round(t.ms), n: t.n }));
    process.stdout.write(
      `${JSON.stringify({ bench: 'ingest-drain', events, inboxRows: rows, batches: result.batches, seconds: Math.round(ms) / 1000, eventsPerSecond: Math.round(events / (ms / 1000)) })}\n`,
    );
    for (const t of out) process.stderr.write(`${JSON.stringify(t)}\n`);
    await db.destroy();
  } finally {
    if (!process.env.HUB_BENCH_KEEP_DB) await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
