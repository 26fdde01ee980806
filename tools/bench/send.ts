/**
 * `npm run bench:send [-- --smoke] [--events N] [--down-seconds S] [--down-rate EPS]`
 *
 * The send path benchmark (QUALITY.md "Performance"), against the BUILT worker (`npm run build`
 * first) and the Tracking API stand-in in its own process, in one run:
 *
 * 1. baseline: bare `@segment/analytics-node` 3.1.0 sends the N events from memory with
 *    `flushAt` = the hub's events per request for these events (same batch size);
 * 2. hub: the programmatic entry (`DeliveryRecorder.recordMany`, what the warehouse sync uses)
 *    records the same N events -> Postgres -> `flush` jobs -> the worker's lanes -> stand-in;
 *    timed from the first record to the last event accepted by the stand-in;
 * 3. outage: the stand-in is down for `--down-seconds` while events keep arriving at
 *    `--down-rate`; the worker's RSS is sampled; then it comes back and the backlog drains.
 *
 * The worker runs with the node flags docker-compose.yml deploys it with (HUB_WORKER_NODE_OPTIONS's
 * default); `--worker-heap-mb N` replaces its `--max-old-space-size` (0 for V8's default). One JSON line per result on stdout; progress on stderr.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadConfig } from '@hub/config';
import { segmentSourceConnector, SEGMENT_LIMITS } from '@hub/connector-segment-source';
import { DeliveryRecorder, DeliveryStore } from '@hub/delivery';
import { ConnectorRegistry } from '@hub/host';
import { dataSourceOptions } from '@hub/persistence';
import { bullRootOptions, QueueRegistry } from '@hub/queue';
import { Analytics } from '@segment/analytics-node';
import Redis from 'ioredis';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { freePort, npmRun, repoRoot, stop, waitFor, type Started } from '../../test/e2e/processes';
import { maxOldSpaceMb, workerNodeOptions } from './deployed-worker-flags';
import { cpuSeconds, rssMb } from './proc-stats';
import { benchEvent } from './send-events';

interface Size {
  events: number;
  downSeconds: number;
  downRate: number;
  /** Overrides the deployed `--max-old-space-size` (0: V8's default). */
  workerHeapMb?: number;
}
const FULL: Size = { events: 200_000, downSeconds: 60, downRate: 2000 };
const SMOKE: Size = { events: 10_000, downSeconds: 5, downRate: 1000 };
const RECORD_CHUNK = 5000;
const BASELINE_FLUSH_INTERVAL_MS = 200;
const WRITE_KEY = `benchWriteKey${randomBytes(6).toString('hex')}`;

const line = (result: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'send', ...result })}\n`);
const log = (msg: string) => process.stderr.write(`[bench:send] ${msg}\n`);
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function parseArgs(argv: string[]): Size & { smoke: boolean } {
  const smoke = argv.includes('--smoke');
  const size = { ...(smoke ? SMOKE : FULL), smoke };
  const num = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${flag} needs a number`);
    return n;
  };
  size.events = num('--events') ?? size.events;
  size.downSeconds = num('--down-seconds') ?? size.downSeconds;
  size.downRate = num('--down-rate') ?? size.downRate;
  size.workerHeapMb = num('--worker-heap-mb') ?? size.workerHeapMb;
  return size;
}

interface StandInStats {
  distinct: number;
  duplicates: number;
  requests: number;
  acceptedRequests: number;
  acceptedEvents: number;
  refused: number;
  violations: number;
  maxRequestBytes: number;
  sizes: number[];
}

/** The stand-in child process, driven over IPC. */
class StandIn {
  private seq = 0;
  private pending = new Map<number, (m: { stats: StandInStats }) => void>();
  url = '';
  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: { id: number; url?: string; stats?: StandInStats }) => {
      const resolveIt = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolveIt?.(m as { stats: StandInStats });
    });
  }
  static async start(): Promise<StandIn> {
    const child = fork(resolve(__dirname, 'send-stand-in.ts'), [WRITE_KEY], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const standIn = new StandIn(child);
    standIn.url = await new Promise<string>((res) => standIn.pending.set(0, (m) => res((m as unknown as { url: string }).url)));
    return standIn;
  }
  private call(cmd: 'stats' | 'reset' | 'down' | 'up'): Promise<StandInStats> {
    const id = ++this.seq;
    return new Promise((res) => {
      this.pending.set(id, (m) => res(m.stats));
      this.child.send({ id, cmd });
    });
  }
  stats = () => this.call('stats');
  reset = () => this.call('reset');
  down = () => this.call('down');
  up = () => this.call('up');
  async until(distinct: number, timeoutMs: number): Promise<StandInStats> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const stats = await this.stats();
      if (stats.distinct >= distinct) return stats;
      if (Date.now() > deadline) throw new Error(`the stand-in saw ${stats.distinct} of ${distinct} events in time`);
      await sleep(50);
    }
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

const argValue = (flag: string): string | undefined => (process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined);

/**
 * The worker as `npm run start:worker` starts it (`node <file>`), plus, for experiments, node
 * flags on its command line (some are refused in NODE_OPTIONS):
 * `--cpu-prof DIR` (a V8 CPU profile written to DIR when it exits; open in Chrome DevTools),
 * `--worker-node-flags "<flags>"` (e.g. `--trace-gc --max-semi-space-size=32`), and
 * `--worker-output FILE` (its stdout and stderr).
 */
function startWorker(env: Record<string, string>): Started {
  const [, file] = (require(resolve(repoRoot, 'package.json')).scripts['start:worker'] as string).split(/\s+/);
  const flags = [
    ...(argValue('--cpu-prof') ? ['--cpu-prof', `--cpu-prof-dir=${resolve(argValue('--cpu-prof') as string)}`] : []),
    ...(argValue('--worker-node-flags') ?? '').split(/\s+/).filter(Boolean),
  ];
  const child = spawn(process.execPath, [...flags, file], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const file_ = argValue('--worker-output');
  const sink = file_ ? createWriteStream(resolve(file_)) : undefined;
  child.stdout?.on('data', (d) => (sink ? sink.write(d) : (out += d)));
  child.stderr?.on('data', (d) => (sink ? sink.write(d) : (out += d)));
  return { child, output: () => out, exited: new Promise((res) => child.on('exit', (code) => res(code))) };
}

/** The worker's V8 heap in use (from its /metrics), to tell live objects from RSS V8 has not returned. */
async function heapUsedMb(metricsUrl: string): Promise<number | null> {
  try {
    const text = await (await fetch(metricsUrl)).text();
    const match = /^(?:hub_)?nodejs_heap_size_used_bytes\S*\s+([\d.e+]+)/m.exec(text);
    return match ? Math.round(Number(match[1]) / 1024 / 1024) : null;
  } catch {
    return null;
  }
}

/** Events per request the hub's planner makes for these events: the baseline's batch size. */
function hubBatchSize(run: string): number {
  const sample = Array.from({ length: 200 }, (_, i) => benchEvent(run, i));
  // Our own wire estimate (see segment-source's build-message.ts): JSON + the library's context.
  const avg = sample.reduce((n, e) => n + Buffer.byteLength(JSON.stringify({ type: 'track', ...e })) + 192, 0) / sample.length;
  return Math.min(SEGMENT_LIMITS.maxBatchEvents, Math.floor((SEGMENT_LIMITS.maxBatchBytes - SEGMENT_LIMITS.envelopeBytes) / (avg + 1)));
}

/** CPU seconds of our database's Postgres backends (the pids seen now; a backend started later counts from 0). */
async function postgresCpu(admin: Client, dbName: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE datname = $1`, [dbName]);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      out.set(pid, cpuSeconds(pid));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}
const cpuDelta = (before: Map<number, number>, after: Map<number, number>) => [...after].reduce((n, [pid, t]) => n + t - (before.get(pid) ?? 0), 0);
const per10k = (seconds: number, events: number) => round((seconds / events) * 10_000, 3);

async function baseline(
  standIn: StandIn,
  run: string,
  n: number,
  flushAt: number,
): Promise<{ eps: number; stats: StandInStats; seconds: number; cpuPer10k: Record<string, number> }> {
  await standIn.reset();
  const own0 = process.cpuUsage();
  const standIn0 = cpuSeconds(standIn.pid);
  // flushInterval: at most what the hub lingers for a partial claim (2 x 100 ms). Longer, and the
  // library's last partial batch can sit until the timer fires at closeAndFlush (3.1.0 counts
  // events still in flight as pending, so it does not see that no more will come): a 10 s
  // interval added 10 s to some baseline runs and made the ratio look better than it is.
  const analytics = new Analytics({ writeKey: WRITE_KEY, host: standIn.url, flushAt, flushInterval: BASELINE_FLUSH_INTERVAL_MS, maxRetries: 3 });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    analytics.track(benchEvent(run, i));
    // Yield now and then, as an application producing events would; the library batches meanwhile.
    if (i % 5000 === 4999) await new Promise((r) => setImmediate(r));
  }
  await analytics.closeAndFlush();
  const stats = await standIn.until(n, 10 * 60_000);
  const seconds = (performance.now() - t0) / 1000;
  const own = process.cpuUsage(own0);
  // CPU seconds per 10k events: the client (this process: the events and analytics-node) and the stand-in.
  const cpuPer10k = { client: per10k((own.user + own.system) / 1e6, n), standIn: per10k(cpuSeconds(standIn.pid) - standIn0, n) };
  return { eps: n / seconds, stats, seconds, cpuPer10k };
}

async function main(): Promise<void> {
  const size = parseArgs(process.argv.slice(2));
  for (const script of ['migrate', 'start:admin', 'start:worker']) {
    const file = resolve(repoRoot, (require(resolve(repoRoot, 'package.json')).scripts[script] as string).split(/\s+/)[1]);
    if (!existsSync(file)) throw new Error(`${file} is missing: run \`npm run build\` first`);
  }
  const run = randomBytes(4).toString('hex');
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `hub_bench_send_${run}`;
  const dbUrl = Object.assign(new URL(adminUrl), { pathname: `/${dbName}` }).toString();
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `hubbenchsend_${run}`;
  const email = `bench-${run}@example.test`;
  const password = `bench password ${run}`;
  const [adminPort, workerPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATABASE_URL: dbUrl,
    DATABASE_POOL_SIZE: '16',
    REDIS_URL: redisUrl,
    HUB_REDIS_PREFIX: prefix,
    HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS ?? `bench:${randomBytes(32).toString('base64')}`,
    ADMIN_PORT: String(adminPort),
    WORKER_PORT: String(workerPort),
    HUB_ADMIN_EMAIL: email,
    HUB_ADMIN_PASSWORD: password,
    HUB_SEGMENT_ALLOW_CUSTOM_HOST: 'true',
    HUB_DELIVERY_RELAY_INTERVAL_MS: '2000',
    ...(process.argv.includes('--lanes') ? { HUB_DELIVERY_LANES: process.argv[process.argv.indexOf('--lanes') + 1] } : {}),
    LOG_LEVEL: 'warn',
  };
  log(`size ${JSON.stringify(size)}`);
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${dbName}"`);
  let standIn: StandIn | undefined;
  let adminApp: Started | undefined;
  let worker: Started | undefined;
  let dataSource: DataSource | undefined;
  let queues: QueueRegistry | undefined;
  try {
    const migrate = npmRun('migrate', env);
    if ((await migrate.exited) !== 0) throw new Error(`migrate failed:\n${migrate.output()}`);
    standIn = await StandIn.start();
    const flushAt = hubBatchSize(run);

    // ---- 1. baseline: bare analytics-node ----
    log(`baseline: bare analytics-node, flushAt ${flushAt}`);
    // `--no-baseline` (profiling the hub only): no ratio.
    const base = process.argv.includes('--no-baseline')
      ? { eps: NaN, seconds: NaN, stats: await standIn.stats(), cpuPer10k: {} }
      : await baseline(standIn, run, size.events, flushAt);
    line({
      result: 'baseline',
      client: '@segment/analytics-node 3.1.0',
      events: size.events,
      flushAt,
      seconds: round(base.seconds),
      throughputEps: Math.round(base.eps),
      requests: base.stats.acceptedRequests,
      eventsPerRequest: round(base.stats.acceptedEvents / Math.max(1, base.stats.acceptedRequests), 1),
      limitViolations: base.stats.violations,
      cpuSecondsPer10k: base.cpuPer10k,
    });

    // ---- the hub: admin app (setup only) and the worker as processes ----
    adminApp = npmRun('start:admin', env);
    // The worker runs as deployed (docker-compose.yml, HUB_WORKER_NODE_OPTIONS): V8's old space
    // capped at 256 MB, so V8 collects before RSS drifts (uncapped: ~380 MB with ~100 MB live;
    // `--worker-heap-mb 0` runs it uncapped), and 32 MB semi-spaces, so the short-lived objects
    // of a ~460-event request die young (default: GC took a third of the worker's busy time).
    const nodeOptions = workerNodeOptions(size.workerHeapMb);
    log(`worker NODE_OPTIONS: ${nodeOptions}`);
    worker = startWorker({ ...env, NODE_OPTIONS: nodeOptions });
    const adminBase = `http://127.0.0.1:${adminPort}`;
    await waitFor(`${adminBase}/health/ready`, 60_000, adminApp);
    await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 60_000, worker);
    const idleRss = rssMb(worker.child.pid);
    const call = async (method: string, path: string, token: string | undefined, body: unknown) => {
      const res = await fetch(`${adminBase}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    };
    const token = (await call('POST', '/api/v1/auth/login', undefined, { email, password })).body.token as string;
    const workspaceId = (await call('POST', '/api/v1/workspaces', token, { name: `Send bench ${run}` })).body.id as string;
    const created = await call('POST', `/api/v1/workspaces/${workspaceId}/installations`, token, {
      connectorId: 'segment-source',
      name: 'Segment',
      settings: { writeKey: WRITE_KEY, endpoint: standIn.url },
      enabled: true,
    });
    if (created.status !== 201) throw new Error(`installation: ${created.status} ${JSON.stringify(created.body)}`);
    const installationId = created.body.id as string;
    await stop(adminApp);
    adminApp = undefined;

    // The programmatic entry point, in this process, over the hub's own code.
    const config = loadConfig({ ...process.env, ...env });
    dataSource = await new DataSource(dataSourceOptions(dbUrl, 4)).initialize();
    queues = new QueueRegistry(bullRootOptions(config));
    queues.declareQueues(['delivery']);
    const recorder = new DeliveryRecorder(dataSource, new DeliveryStore(dataSource), queues, new ConnectorRegistry([segmentSourceConnector]));
    const record = async (from: number, to: number) => {
      const messages = [];
      for (let i = from; i < to; i++) {
        const { messageId: _drop, ...input } = benchEvent(run, i);
        messages.push({ input: { ...input, messageId: `hub-${run}-${i}` } });
      }
      await recorder.recordMany(workspaceId, installationId, 'track', messages);
    };

    // ---- 2. hub send path ----
    await standIn.reset();
    log('hub: programmatic entry -> Postgres -> flush -> stand-in');
    let peakRss = 0;
    const cpu0 = cpuSeconds(worker.child.pid);
    const own0 = process.cpuUsage();
    const standIn0 = cpuSeconds(standIn.pid);
    const pg0 = await postgresCpu(admin, dbName);
    const t0 = performance.now();
    for (let from = 0; from < size.events; from += RECORD_CHUNK) {
      await record(from, Math.min(size.events, from + RECORD_CHUNK));
      peakRss = Math.max(peakRss, rssMb(worker.child.pid));
    }
    const recordedAt = performance.now();
    const hubStats = await standIn.until(size.events, 20 * 60_000);
    const hubSeconds = (performance.now() - t0) / 1000;
    const hubEps = size.events / hubSeconds;
    const workerCpu = cpuSeconds(worker.child.pid) - cpu0;
    const own = process.cpuUsage(own0);
    // CPU seconds per 10k events, per process: robust where wall-clock time is not (shared cores).
    const cpuPer10k = {
      worker: per10k(workerCpu, size.events),
      postgres: per10k(cpuDelta(pg0, await postgresCpu(admin, dbName)), size.events),
      recorder: per10k((own.user + own.system) / 1e6, size.events),
      standIn: per10k(cpuSeconds(standIn.pid) - standIn0, size.events),
    };
    line({
      result: 'hub',
      events: size.events,
      seconds: round(hubSeconds),
      recordSeconds: round((recordedAt - t0) / 1000),
      throughputEps: Math.round(hubEps),
      baselineEps: Math.round(base.eps),
      ratio: round(hubEps / base.eps, 3),
      requests: hubStats.acceptedRequests,
      eventsPerRequest: round(hubStats.acceptedEvents / Math.max(1, hubStats.acceptedRequests), 1),
      maxRequestBytes: hubStats.maxRequestBytes,
      limitViolations: hubStats.violations,
      duplicates: hubStats.duplicates,
      workerRssMb: rssMb(worker.child.pid),
      workerIdleRssMb: idleRss,
      workerCpuSeconds: round(workerCpu),
      cpuSecondsPer10k: cpuPer10k,
      workerMaxOldSpaceMb: maxOldSpaceMb(nodeOptions) ?? null,
    });
    log(`hub events per request: ${hubStats.sizes.join(',')}`);

    // ---- 3. outage under load ----
    await standIn.reset();
    await standIn.down();
    const downEvents = Math.round(size.downSeconds * size.downRate);
    log(`outage: stand-in down ${size.downSeconds}s while ${downEvents} events arrive`);
    const base0 = size.events;
    let sent = 0;
    let rssDuringDown = 0;
    let heapDuringDown = 0;
    const o0 = performance.now();
    const tick = 250;
    while (performance.now() - o0 < size.downSeconds * 1000) {
      const due = Math.min(downEvents, Math.floor(((performance.now() - o0) / 1000) * size.downRate));
      if (due > sent) {
        await record(base0 + sent, base0 + due);
        sent = due;
      }
      rssDuringDown = Math.max(rssDuringDown, rssMb(worker.child.pid));
      heapDuringDown = Math.max(heapDuringDown, (await heapUsedMb(`http://127.0.0.1:${workerPort}/metrics`)) ?? 0);
      await sleep(tick);
    }
    if (sent < downEvents) await record(base0 + sent, base0 + downEvents);
    const upAt = performance.now();
    await standIn.up();
    const outage = await standIn.until(downEvents, 20 * 60_000);
    const drainSeconds = (performance.now() - upAt) / 1000;
    line({
      result: 'outage',
      downSeconds: size.downSeconds,
      eventsDuringOutage: downEvents,
      workerRssMbDuringOutage: rssDuringDown,
      workerHeapUsedMbDuringOutage: heapDuringDown,
      drainSeconds: round(drainSeconds),
      drainEps: Math.round(downEvents / drainSeconds),
      refusedWhileDown: outage.refused,
      requests: outage.acceptedRequests,
      eventsPerRequest: round(outage.acceptedEvents / Math.max(1, outage.acceptedRequests), 1),
      limitViolations: outage.violations,
      duplicates: outage.duplicates,
      lost: downEvents - outage.distinct,
    });
    log(`outage events per request: ${outage.sizes.join(',')}`);
    line({
      result: 'summary',
      ratio: round(hubEps / base.eps, 3),
      ratioTarget: 0.8,
      eventsPerRequestUnderBacklog: round(outage.acceptedEvents / Math.max(1, outage.acceptedRequests), 1),
      eventsPerRequestTarget: 400,
      limitViolations: hubStats.violations + outage.violations,
      workerRssMbDuringOutage: rssDuringDown,
      rssTargetMb: 300,
      workerPeakRssMb: Math.max(peakRss, rssDuringDown),
    });
  } finally {
    await queues?.onApplicationShutdown();
    await dataSource?.destroy().catch(() => undefined);
    if (adminApp) await stop(adminApp);
    if (worker) await stop(worker);
    standIn?.kill();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
    await admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`[bench:send] failed: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
