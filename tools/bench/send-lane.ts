/**
 * `node -r @swc-node/register tools/bench/send-lane.ts [N] [bare|hub|all] [--als]`: CPU per event
 * of the connector's send path in this process (no Postgres: rows as the ledger hands them, one
 * request per claim), against the stand-in in its own process, beside bare analytics-node with
 * the same transport and batch size. For profiling (`node --cpu-prof ...`) and V8 flags
 * (`node --max-semi-space-size=64 ...`).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { segmentSourceConnector } from '@hub/connector-segment-source';
import { Analytics } from '@segment/analytics-node';
import { GuardedAnalyticsHttpClient } from '../../libs/connectors/segment-source/src/transport/analytics-http-client';
import { benchEvent } from './send-events';

const N = Number(process.argv[2] ?? 40_000);
const KEY = 'benchWriteKey0123456789';
const CLAIM = 450;

async function main(): Promise<void> {
  // `--als`: an AsyncLocalStorage in use, as in the worker (nestjs-pino): Node 20 then runs promise hooks for every promise.
  if (process.argv.includes('--als')) new AsyncLocalStorage().enterWith({});
  const child = fork(resolve(__dirname, 'send-stand-in.ts'), [KEY], { execArgv: ['-r', '@swc-node/register'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise<string>((res) => child.once('message', (m: { url: string }) => res(m.url)));
  // What the ledger hands the lane: inputs parsed from jsonb.
  const rows = Array.from({ length: N }, (_, i) => JSON.stringify(benchEvent('lane', i)));
  const target = { origin: new URL(url).origin, custom: true };

  const bare = async () => {
    for (let s = 0; s < N; s += 463) {
      const a = new Analytics({ writeKey: KEY, host: target.origin, flushAt: Math.min(463, N - s), flushInterval: 60_000, maxRetries: 0, httpClient: new GuardedAnalyticsHttpClient(target, undefined) });
      for (let i = s; i < Math.min(N, s + 463); i++) a.track(JSON.parse(rows[i]));
      await a.closeAndFlush();
    }
  };
  const action = segmentSourceConnector.actions?.track;
  if (!action?.performBatch) throw new Error('segment-source has no batched track action');
  const performBatch = action.performBatch.bind(action);
  const ctx = { settings: { writeKey: KEY, endpoint: target.origin, region: 'us' }, installationId: '00000000-0000-4000-8000-000000000000', signal: new AbortController().signal };
  const hub = async () => {
    for (let s = 0; s < N; s += CLAIM) {
      const inputs = [];
      for (let i = s; i < Math.min(N, s + CLAIM); i++) {
        // Validated when recorded: the lane sends rows as stored.
        inputs.push(JSON.parse(rows[i]));
      }
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const out = await performBatch(ctx as any, inputs);
      if (out.some((o) => !o.ok)) throw new Error('send failed');
    }
  };
  const only = ['bare', 'hub'].includes(process.argv[3]) ? process.argv[3] : undefined;
  const runs = ([['bare', bare], ['hub', hub], ['bare', bare], ['hub', hub]] as const).filter(([name]) => !only || name === only);
  for (const [name, fn] of runs) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const c = process.cpuUsage(c0);
    process.stdout.write(`${name}: ${((c.user + c.system) / N).toFixed(1)} µs CPU/event, ${Math.round(N / ((performance.now() - t0) / 1000))} events/s\n`);
  }
  child.kill("SIGKILL");
}

void main();
