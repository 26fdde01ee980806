/**
 * `node -r @swc-node/register tools/bench/ingest-drain.ts [--events N] [--users N] [--accounts N]
 *   [--stop-after N] [--one-transaction]`
 *
 * The worker's projection alone, without HTTP or queues: inbox rows as the edge writes them
 * (normalized by `@hub/event-model`, ~480 KB per row) are inserted untimed, then drained by
 * `InboxDrain` and timed, statement by statement. For tuning the drain's SQL; the end-to-end
 * figures come from `npm run bench:ingest`.
 */
import { randomBytes } from 'node:crypto';
import { cpuTimesMs } from './proc-stats';
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
        'auto_explain.log_wal = on',
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
    const pgBefore = await pgCounters(db, name);
    const nodeBefore = process.cpuUsage();
    const started = performance.now();
    // --stop-after N: leave the rest pending (with HUB_BENCH_KEEP_DB=1, a database to profile by hand).
    const stopAfter = arg('--stop-after', Number.MAX_SAFE_INTEGER);
    let drained = 0;
    // --one-transaction: every batch in one transaction (no pipelining of the two parts).
    const limits = process.argv.includes('--one-transaction') ? { pipelineMinEvents: Number.MAX_SAFE_INTEGER } : {};
    const result = await new InboxDrain(db, { limits }).drainWorkspace(ws.id, {
      shouldStop: () => drained >= stopAfter,
      afterCommit: async (batch) => {
        drained += Object.values(batch.counts).reduce((a, b) => a + b, 0);
      },
    });
    const ms = performance.now() - started;
    const node = process.cpuUsage(nodeBefore);
    const pgAfter = await pgCounters(db, name);
    const out = [...timings].sort((a, b) => b[1].ms - a[1].ms).map(([sql, t]) => ({ sql, ms: Math.round(t.ms), n: t.n }));
    const per10k = (n: number) => Math.round((n * 10_000) / drained);
    const pgCpuMs = [...pgAfter.cpuMs].reduce((sum, [pid, t]) => sum + t - (pgBefore.cpuMs.get(pid) ?? 0), 0);
    const walBytes = Number(pgAfter.wal - pgBefore.wal);
    process.stdout.write(
      `${JSON.stringify({
        bench: 'ingest-drain',
        events,
        inboxRows: rows,
        batches: result.batches,
        seconds: Math.round(ms) / 1000,
        drained,
        eventsPerSecond: Math.round(drained / (ms / 1000)),
        msPer10k: per10k(ms),
        postgresCpuMsPer10k: per10k(pgCpuMs),
        nodeCpuMsPer10k: per10k((node.user + node.system) / 1000),
        walBytesPerEvent: Math.round(walBytes / drained),
        tables: pgAfter.tables,
      })}\n`,
    );
    for (const t of out) process.stderr.write(`${JSON.stringify(t)}\n`);
    await db.destroy();
  } finally {
    if (process.env.HUB_BENCH_KEEP_DB) process.stderr.write(`kept database ${name}\n`);
    else await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

/**
 * The database's backends' CPU time (from /proc: the bench runs beside the server; 0 when it
 * cannot read them), the WAL position, and the tables' update counters.
 */
async function pgCounters(db: DataSource, name: string) {
  const pids = (await db.query(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [name])) as { pid: number }[];
  const cpuMs = new Map<number, number>();
  for (const { pid } of pids) {
    try {
      const { user, system } = cpuTimesMs(pid);
      cpuMs.set(pid, user + system);
    } catch {
      // another machine or another user's process
    }
  }
  const [{ lsn }] = await db.query(`SELECT pg_current_wal_lsn()::text AS lsn`);
  const [hi, lo] = (lsn as string).split('/');
  const tables = Object.fromEntries(
    (
      (await db.query(
        `SELECT relname, n_tup_ins::int AS ins, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot, pg_total_relation_size(relid)::bigint / 1048576 AS mb
         FROM pg_stat_user_tables WHERE relname IN ('events', 'profile_users', 'profile_accounts', 'profile_memberships', 'catalog_traits')`,
      )) as { relname: string; ins: number; upd: number; hot: number; mb: string }[]
    ).map((r) => [r.relname, { ins: r.ins, upd: r.upd, hot: r.hot, mb: Number(r.mb) }]),
  );
  return { cpuMs, wal: (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`), tables };
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
