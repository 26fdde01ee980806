/**
 * `node -r @swc-node/register tools/bench/edge-load.ts [--warm-events N] [--batch-rate R]
 *   [--single-rate R] [--single-max N] [--single-max-rounds N] [--seconds N] [--no-worker]
 *   [--cpu-prof DIR]` (EDGE_LOAD_NODE_ARGS: node flags for the admin app)
 *
 * The accept path under load, for tuning the edge (the end-to-end figures come from
 * `npm run bench:ingest`): the BUILT admin app (and worker, draining concurrently, unless
 * `--no-worker`), a warm-up of batched traffic, then open-loop `/v1/batch` (~480 KB) and
 * `/v1/<type>` traffic at fixed rates. Prints one JSON line per phase with latency percentiles
 * and the admin process's CPU time (utime + stime from /proc) per request and per event, which
 * stays meaningful on a shared, noisy machine where wall-clock latencies do not.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Client } from 'pg';
import { freePort, npmRun, repoRoot, stop, waitFor, type Started } from '../../test/e2e/processes';
import { deployedWorkerNodeOptions } from './deployed-worker-flags';
import { api, basicAuth, percentiles, post, sendAll, sendAtRate } from './ingest-hub';
import { cpuTimesMs, peakRssMb, rssMb } from './proc-stats';
import { batchBodies, messages, type RawMessage } from './ingest-traffic';

const argv = process.argv.slice(2);
const num = (flag: string, fallback: number) => {
  const i = argv.indexOf(flag);
  return i < 0 ? fallback : Number(argv[i + 1]);
};
const str = (flag: string) => {
  const i = argv.indexOf(flag);
  return i < 0 ? undefined : argv[i + 1];
};
const shape = { users: 200_000, accounts: 20_000 };
const log = (msg: string) => process.stderr.write(`[edge-load] ${msg}\n`);
const line = (o: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'edge-load', ...o })}\n`);



/**
 * The admin app with node flags: `--cpu-prof` (not allowed in NODE_OPTIONS; the profile is
 * written at exit) and/or EDGE_LOAD_NODE_ARGS (e.g. `--max-semi-space-size=32`).
 */
function withNodeArgs(profileDir: string | undefined, env: Record<string, string>): Started {
  const extra = process.env.EDGE_LOAD_NODE_ARGS ? process.env.EDGE_LOAD_NODE_ARGS.split(' ') : [];
  const profile = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...extra, ...profile, 'dist/apps/admin/src/main.js'], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((res) => child.on('exit', (code) => res(code))) };
}

async function main(): Promise<void> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const runId = randomBytes(4).toString('hex');
  const dbName = `hub_edge_${runId}`;
  const url = new URL(adminUrl);
  url.pathname = `/${dbName}`;
  const prefix = `hubedge_${runId}`;
  const [adminPort, workerPort] = [await freePort(), await freePort()];
  const env: Record<string, string> = {
    DATABASE_URL: url.toString(),
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    HUB_REDIS_PREFIX: prefix,
    HUB_ENCRYPTION_KEYS: `bench:${randomBytes(32).toString('base64')}`,
    ADMIN_PORT: String(adminPort),
    WORKER_PORT: String(workerPort),
    HUB_ADMIN_EMAIL: `edge-${runId}@example.test`,
    HUB_ADMIN_PASSWORD: `edge password ${runId}`,
    LOG_LEVEL: 'warn',
  };
  const root = new Client({ connectionString: adminUrl });
  await root.connect();
  await root.query(`CREATE DATABASE "${dbName}"`);
  let admin: Started | undefined;
  let worker: Started | undefined;
  const db = new Client({ connectionString: url.toString() });
  try {
    const m = npmRun('migrate', env);
    if ((await m.exited) !== 0) throw new Error(m.output());
    const prof = str('--cpu-prof');
    admin = prof || process.env.EDGE_LOAD_NODE_ARGS ? withNodeArgs(prof, env) : npmRun('start:admin', env);
    if (!argv.includes('--no-worker')) worker = npmRun('start:worker', { ...env, NODE_OPTIONS: deployedWorkerNodeOptions() });
    const base = `http://127.0.0.1:${adminPort}`;
    await waitFor(`${base}/health/ready`, 60_000, admin);
    if (worker) await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 60_000, worker);
    await db.connect();
    const login = await api(base, 'POST', '/api/v1/auth/login', undefined, { email: env.HUB_ADMIN_EMAIL, password: env.HUB_ADMIN_PASSWORD });
    const token = login.body.token as string;
    const ws = await api(base, 'POST', '/api/v1/workspaces', token, { name: `Edge ${runId}` });
    const inst = await api(base, 'POST', `/api/v1/workspaces/${ws.body.id}/installations`, token, {
      connectorId: 'segment-destination', name: 'Segment', settings: {}, enabled: true,
    });
    const writeKey = (inst.body.inboundKeys as { name: string; value: string }[]).find((k) => k.name === 'writeKey')?.value;
    if (!writeKey) throw new Error(`installation: ${inst.status} ${JSON.stringify(inst.body)}`);
    await api(base, 'PUT', `/api/v1/workspaces/${ws.body.id}/model-settings`, token, { accountNameTrait: 'name', userEmailTrait: 'email', accountIdProperty: 'accountId', pageEvents: true });
    const auth = { authorization: basicAuth(writeKey) };
    const pid = admin.child.pid as number;
    line({ phase: 'boot', adminRssMb: rssMb(pid) });

    const phase = async (name: string, fn: (lat: number[]) => Promise<{ requests: number; events: number }>) => {
      const lat: number[] = [];
      const c0 = cpuTimesMs(pid);
      const t0 = performance.now();
      const r = await fn(lat);
      const seconds = (performance.now() - t0) / 1000;
      const c1 = cpuTimesMs(pid);
      const cpu = c1.user + c1.system - c0.user - c0.system;
      const metrics = await fetch(`${base}/metrics`).then((x) => x.text()).catch(() => '');
      const metric = (m: string) => Math.round(Number(new RegExp(`^${m}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(metrics)?.[1] ?? NaN) / 1048576);
      line({
        phase: name, rssMb: rssMb(pid), heapUsedMb: metric('hub_nodejs_heap_size_used_bytes'), heapTotalMb: metric('hub_nodejs_heap_size_total_bytes'), externalMb: metric('hub_nodejs_external_memory_bytes'), requests: r.requests, events: r.events, seconds: Math.round(seconds * 100) / 100,
        reqPerSec: Math.round((r.requests / seconds) * 10) / 10, eventsPerSec: Math.round(r.events / seconds),
        adminCpuMsPerRequest: Math.round((cpu / r.requests) * 100) / 100,
        adminSystemCpuMsPerRequest: Math.round(((c1.system - c0.system) / r.requests) * 100) / 100, adminCpuUsPerEvent: Math.round((cpu * 1000) / r.events),
        adminCpuShare: Math.round((cpu / 1000 / seconds) * 100) / 100, ms: percentiles(lat),
      });
    };

    const warm = num('--warm-events', 100_000);
    if (warm > 0) {
      await phase('batched-max', async (lat) => {
        const bodies = [...batchBodies(messages(1, 'warm', 0, warm, shape), 480 * 1024)];
        const requests = await sendAll(bodies, 4, (b) => post(base, '/v1/batch', b.body, auth), lat);
        return { requests, events: warm };
      });
    }
    const seconds = num('--seconds', 15);
    const batchRate = num('--batch-rate', 3.7);
    if (batchRate > 0) {
      await phase('batched-at-rate', async (lat) => {
        const bodies = batchBodies(messages(2, 'lat-batch', 0, 50_000_000, shape), 480 * 1024);
        return sendAtRate(bodies, batchRate, seconds, (b) => post(base, '/v1/batch', b.body, auth), lat);
      });
    }
    const singleMax = num('--single-max', 0);
    for (let round = 0; round < num('--single-max-rounds', 1) && singleMax > 0; round++) {
      await phase('single-max', async (lat) => {
        const single = (m: RawMessage) => post(base, `/v1/${m.type}`, JSON.stringify(m), auth);
        const requests = await sendAll(messages(4 + round, `single-max-${round}`, 0, singleMax, shape), 32, single, lat);
        return { requests, events: requests };
      });
    }
    const singleRate = num('--single-rate', 198);
    if (singleRate > 0) {
      await phase('single-at-rate', async (lat) => {
        const items = (function* () {
          for (const m of messages(3, 'lat-single', 0, 50_000_000, shape)) yield { m, count: 1 };
        })();
        return sendAtRate(items, singleRate, seconds, (x) => post(base, `/v1/${x.m.type}`, JSON.stringify(x.m), auth), lat);
      });
    }
    line({ phase: 'memory', adminRssMb: rssMb(pid), adminPeakRssMb: peakRssMb(pid), workerPeakRssMb: worker ? peakRssMb(worker.child.pid) : null });
    if (process.env.EDGE_LOAD_NODE_ARGS) {
      admin.child.kill('SIGUSR2');
      await new Promise((r) => setTimeout(r, 300));
      log(admin.output().split('\n').filter((l) => l.includes('[gcwatch]')).join('\n'));
      if (process.env.EDGE_LOAD_ADMIN_LOG) writeFileSync(process.env.EDGE_LOAD_ADMIN_LOG, admin.output());
    }
  } catch (err) {
    log(`admin output (tail):\n${admin?.output().slice(-3000) ?? ''}`);
    throw err;
  } finally {
    await db.end().catch(() => undefined);
    await Promise.all([admin && stop(admin), worker && stop(worker)]);
    await root.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`).catch(() => undefined);
    await root.end();
  }
}

main().then(
  () => process.exit(0),
  (err: Error) => {
    log(`failed: ${err.stack ?? err.message}`);
    process.exit(1);
  },
);
