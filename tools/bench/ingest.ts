/**
 * `npm run bench:ingest [-- --smoke] [--events N] [--single N] [--latency-seconds N]`
 *
 * End-to-end ingest benchmark (QUALITY.md "Performance"), on loopback against the BUILT apps
 * (`npm run build` first): synthetic Segment traffic (80% track, 10% identify, 5% page, 5%
 * group) sent to `/v1/batch` in ~480 KB bodies and, separately, as single-event requests to
 * `/v1/<type>`; measured until every event is committed by the worker's projection. The bare
 * baseline COPYs the same event rows into the same `events` table with the same user and
 * account upserts. Each side gets a fresh database. One JSON line per result on stdout.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { freePort, npmRun, repoRoot, stop, waitFor, type Started } from '../../test/e2e/processes';
import { deployedWorkerNodeOptions } from './deployed-worker-flags';
import { loadBaseline } from './ingest-baseline';
import { api, basicAuth, JobCounter, percentiles, post, sendAll, sendAtRate } from './ingest-hub';
import { peakRssMb } from './proc-stats';
import { batchBodies, messages, type RawMessage, type TrafficShape } from './ingest-traffic';

interface Size {
  shape: TrafficShape;
  batchedEvents: number;
  singleEvents: number;
  latencySeconds: number;
}

const FULL: Size = { shape: { users: 200_000, accounts: 20_000 }, batchedEvents: 1_000_000, singleEvents: 30_000, latencySeconds: 20 };
const SMOKE: Size = { shape: { users: 5_000, accounts: 500 }, batchedEvents: 40_000, singleEvents: 2_000, latencySeconds: 4 };
const BATCH_BYTES = 480 * 1024;
const BATCH_CONCURRENCY = 4;
const SINGLE_CONCURRENCY = 32;
const SEED = 20_251_201;

function parseArgs(argv: string[]): Size & { smoke: boolean } {
  const smoke = argv.includes('--smoke');
  const size = { ...(smoke ? SMOKE : FULL), smoke };
  const num = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`${flag} needs a positive integer`);
    return n;
  };
  size.batchedEvents = num('--events') ?? size.batchedEvents;
  size.singleEvents = num('--single') ?? size.singleEvents;
  size.latencySeconds = num('--latency-seconds') ?? size.latencySeconds;
  return size;
}

/** The first `n` items of a generator, made now, as an iterator. */
function take<T>(items: Iterable<T>, n: number): Iterator<T> {
  const out: T[] = [];
  for (const item of items) {
    if (out.length >= n) break;
    out.push(item);
  }
  return out[Symbol.iterator]();
}

const line = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'ingest', ...result })}\n`);
const log = (msg: string) => process.stderr.write(`[bench:ingest] ${msg}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbUrl = (name: string) => {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
};

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

async function dropRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

async function migrate(url: string, env: Record<string, string>): Promise<void> {
  const run = npmRun('migrate', { ...env, DATABASE_URL: url });
  if ((await run.exited) !== 0) throw new Error(`migrate failed:\n${run.output()}`);
}

/** Resolves once no inbox row of the run is pending; returns when that was observed. */
async function untilProjected(db: Client, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(`SELECT EXISTS (SELECT 1 FROM inbox WHERE processed_at IS NULL) AS pending`);
    if (!rows[0].pending) return performance.now();
    if (Date.now() > deadline) throw new Error('events were not projected in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function main(): Promise<void> {
  const size = parseArgs(process.argv.slice(2));
  for (const script of ['migrate', 'start:admin', 'start:worker']) {
    const file = resolve(repoRoot, (require(resolve(repoRoot, 'package.json')).scripts[script] as string).split(/\s+/)[1]);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const runId = randomBytes(4).toString('hex');
  const hubDb = `hub_bench_${runId}_hub`;
  const baseDb = `hub_bench_${runId}_base`;
  const prefix = `hubbench_${runId}`;
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const email = `bench-${runId}@example.test`;
  const password = `bench password ${runId}`;
  const [adminPort, workerPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    HUB_REDIS_PREFIX: prefix,
    HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS ?? `bench:${randomBytes(32).toString('base64')}`,
    ADMIN_PORT: String(adminPort),
    WORKER_PORT: String(workerPort),
    HUB_ADMIN_EMAIL: email,
    HUB_ADMIN_PASSWORD: password,
    LOG_LEVEL: 'warn',
  };
  const base = `http://127.0.0.1:${adminPort}`;
  let adminApp: Started | undefined;
  let worker: Started | undefined;
  let jobs: JobCounter | undefined;
  const hub = new Client({ connectionString: dbUrl(hubDb) });
  // Ctrl-C still stops the apps and drops the run's databases and Redis keys (via finally).
  let interrupted: () => void = () => undefined;
  const interruption = new Promise<never>((_, reject) => {
    interrupted = () => reject(new Error('interrupted'));
  });
  interruption.catch(() => undefined);
  process.once('SIGINT', () => interrupted());
  process.once('SIGTERM', () => interrupted());
  log(`size ${JSON.stringify(size)}`);
  await admin(async (c) => {
    await c.query(`CREATE DATABASE "${hubDb}"`);
    await c.query(`CREATE DATABASE "${baseDb}"`);
  });
  try {
    await Promise.race([interruption, run()]);
  } finally {
    await jobs?.close().catch(() => undefined);
    await hub.end().catch(() => undefined);
    await Promise.all([adminApp && stop(adminApp), worker && stop(worker)]);
    await dropRedisKeys(redisUrl, prefix).catch(() => undefined);
    if (!process.env.HUB_BENCH_KEEP_DB) {
      await admin(async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${hubDb}" WITH (FORCE)`);
        await c.query(`DROP DATABASE IF EXISTS "${baseDb}" WITH (FORCE)`);
      });
    }
  }

  async function run(): Promise<void> {
    await migrate(dbUrl(hubDb), env);
    await migrate(dbUrl(baseDb), env);

    // ---- baseline: bare COPY + upserts of the batched phase's rows, fresh database ----
    const baseClient = new Client({ connectionString: dbUrl(baseDb) });
    await baseClient.connect();
    const { rows: ws } = await baseClient.query(`INSERT INTO workspaces (name, slug) VALUES ('bench', 'bench') RETURNING id`);
    const { rows: inst } = await baseClient.query(
      `INSERT INTO installations (workspace_id, connector_id, connector_version, name, enabled, status)
       VALUES ($1, 'segment-destination', '0.1.0', 'bench', true, 'receiving') RETURNING id`,
      [ws[0].id],
    );
    await baseClient.end();
    log('baseline: COPY + upserts');
    const baseline = await loadBaseline(dbUrl(baseDb), ws[0].id, inst[0].id, messages(SEED, 'batch', 0, size.batchedEvents, size.shape));
    const baselineEps = baseline.events / (baseline.ms / 1000);
    log(`baseline ${Math.round(baselineEps)} events/s`);

    // ---- the hub: built admin app and worker as processes ----
    env.DATABASE_URL = dbUrl(hubDb);
    adminApp = npmRun('start:admin', env);
    // The worker with the node flags docker-compose.yml deploys it with.
    worker = npmRun('start:worker', { ...env, NODE_OPTIONS: deployedWorkerNodeOptions() });
    await waitFor(`${base}/health/ready`, 60_000, adminApp);
    await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 60_000, worker);
    await hub.connect();
    const login = await api(base, 'POST', '/api/v1/auth/login', undefined, { email, password });
    const token = login.body.token as string;
    const workspace = await api(base, 'POST', '/api/v1/workspaces', token, { name: `Bench ${runId}` });
    const installation = await api(base, 'POST', `/api/v1/workspaces/${workspace.body.id}/installations`, token, {
      connectorId: 'segment-destination',
      name: 'Segment',
      settings: {},
      enabled: true,
    });
    if (installation.status !== 201) throw new Error(`installation: ${installation.status} ${JSON.stringify(installation.body)}`);
    const writeKey = (installation.body.inboundKeys as { name: string; value: string }[]).find((k) => k.name === 'writeKey')?.value;
    if (!writeKey) throw new Error('the Segment destination issued no write key');
    const settings = await api(base, 'PUT', `/api/v1/workspaces/${workspace.body.id}/model-settings`, token, {
      accountNameTrait: 'name',
      userEmailTrait: 'email',
      accountIdProperty: 'accountId',
      pageEvents: true,
    });
    if (settings.status !== 200) throw new Error(`model settings: ${settings.status}`);
    const auth = { authorization: basicAuth(writeKey) };
    jobs = new JobCounter(['ingest', 'subscriptions'], redisUrl, prefix);
    await jobs.ready();
    const jobsDelta = (before: Record<string, number>, events: number) => {
      const now = jobs?.snapshot() ?? {};
      const drain = (now.ingest ?? 0) - (before.ingest ?? 0);
      const fanout = (now.subscriptions ?? 0) - (before.subscriptions ?? 0);
      return { drainJobs: drain, fanoutJobs: fanout, jobsPer100Events: round(((drain + fanout) * 100) / events, 3), drainJobsPer100Events: round((drain * 100) / events, 3) };
    };
    let accepted = 0;

    // ---- batched traffic at full speed ----
    log('hub: batched traffic');
    let before = jobs.snapshot();
    const batchLatencies: number[] = [];
    const bodies = [...batchBodies(messages(SEED, 'batch', 0, size.batchedEvents, size.shape), BATCH_BYTES)];
    const t0 = performance.now();
    const requests = await sendAll(bodies, BATCH_CONCURRENCY, (b) => post(base, '/v1/batch', b.body, auth), batchLatencies);
    const acceptedAt = performance.now();
    const done = await untilProjected(hub, 30 * 60_000);
    accepted += size.batchedEvents;
    const batchedEps = size.batchedEvents / ((done - t0) / 1000);
    line({
      result: 'batched',
      events: size.batchedEvents,
      requests,
      eventsPerRequest: round(size.batchedEvents / requests, 1),
      seconds: round((done - t0) / 1000),
      acceptSeconds: round((acceptedAt - t0) / 1000),
      throughputEps: Math.round(batchedEps),
      baselineEps: Math.round(baselineEps),
      ratio: round(batchedEps / baselineEps, 3),
      ...jobsDelta(before, size.batchedEvents),
      acceptMsAtMaxRate: percentiles(batchLatencies),
    });

    // ---- single-event requests at full speed ----
    log('hub: single-event traffic');
    before = jobs.snapshot();
    const singleLatencies: number[] = [];
    const single = (m: RawMessage) => post(base, `/v1/${m.type}`, JSON.stringify(m), auth);
    const s0 = performance.now();
    await sendAll(messages(SEED + 1, 'single', 0, size.singleEvents, size.shape), SINGLE_CONCURRENCY, single, singleLatencies);
    const sAccepted = performance.now();
    const sDone = await untilProjected(hub, 10 * 60_000);
    accepted += size.singleEvents;
    const singleEps = size.singleEvents / ((sDone - s0) / 1000);
    line({
      result: 'single',
      events: size.singleEvents,
      seconds: round((sDone - s0) / 1000),
      acceptSeconds: round((sAccepted - s0) / 1000),
      throughputEps: Math.round(singleEps),
      baselineEps: Math.round(baselineEps),
      ratio: round(singleEps / baselineEps, 3),
      ...jobsDelta(before, size.singleEvents),
      acceptMsAtMaxRate: percentiles(singleLatencies),
    });

    // ---- accept latency at half the measured maximum rate ----
    const perBatch = size.batchedEvents / requests;
    const batchRate = batchedEps / 2 / perBatch;
    log(`hub: batched latency at ${round(batchRate)} requests/s`);
    const latBatch: number[] = [];
    // Built before the clock starts: serializing a ~480 KB body takes the sender's event loop
    // several ms, which would land on the latency of the requests in flight meanwhile.
    const latBodies = take(batchBodies(messages(SEED + 2, 'lat-batch', 0, 50_000_000, size.shape), BATCH_BYTES), Math.ceil(batchRate * size.latencySeconds) + 2);
    const lb = await sendAtRate(latBodies, batchRate, size.latencySeconds, (b) => post(base, '/v1/batch', b.body, auth), latBatch);
    await untilProjected(hub, 10 * 60_000);
    accepted += lb.events;
    line({ result: 'batched-latency', rateEps: Math.round(batchedEps / 2), requestsPerSecond: round(batchRate), requests: lb.requests, acceptMs: percentiles(latBatch) });

    const singleRate = singleEps / 2;
    log(`hub: single-event latency at ${round(singleRate)} requests/s`);
    const latSingle: number[] = [];
    const singleItems = take(
      (function* () {
        for (const m of messages(SEED + 3, 'lat-single', 0, 50_000_000, size.shape)) yield { m, body: JSON.stringify(m), count: 1 };
      })(),
      Math.ceil(singleRate * size.latencySeconds) + 2,
    );
    const ls = await sendAtRate(singleItems, singleRate, size.latencySeconds, (x) => post(base, `/v1/${x.m.type}`, x.body, auth), latSingle);
    await untilProjected(hub, 10 * 60_000);
    accepted += ls.events;
    line({ result: 'single-latency', rateEps: Math.round(singleRate), requests: ls.requests, acceptMs: percentiles(latSingle) });

    // ---- exactly once, memory ----
    const { rows: counted } = await hub.query(`SELECT count(*)::int AS n FROM events`);
    const workerRss = peakRssMb(worker.child.pid);
    line({ result: 'memory', workerPeakRssMb: workerRss, adminPeakRssMb: peakRssMb(adminApp.child.pid) });
    const batched = { ratio: batchedEps / baselineEps };
    line({
      result: 'summary',
      smoke: size.smoke,
      acceptedEvents: accepted,
      projectedEvents: counted[0].n,
      exactlyOnce: counted[0].n === accepted,
      targets: {
        ratioAtLeastHalf: batched.ratio >= 0.5,
        workerRssUnder300Mb: workerRss !== null && workerRss < 300,
        p99AcceptUnder50MsAtHalfRate: percentiles(latBatch).p99 < 50 && percentiles(latSingle).p99 < 50,
      },
    });
    if (counted[0].n !== accepted) throw new Error(`projected ${counted[0].n} events for ${accepted} accepted`);
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
