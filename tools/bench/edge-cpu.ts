/**
 * `node -r @swc-node/register tools/bench/edge-cpu.ts [--rounds N] [--iterations N] [--single]`
 *
 * CPU cost of the inbound edge's own work on one request, in process (no HTTP, no Postgres):
 * parse the body (`parseJsonBody`), normalize its events (`normalizeEvents`), encode the inbox
 * parameter (`jsonbArrayParam`). A ~480 KB `/v1/batch` body by default, one single event with
 * `--single`. CPU time (process.cpuUsage, GC threads included) and GC pauses are measured per
 * round; the minimum over rounds is what the code costs, the median what a busy machine adds.
 */
import { PerformanceObserver } from 'node:perf_hooks';
import { jsonbArrayParam, normalizeEvents } from '@hub/ingest';
import { parseJsonBody } from '@hub/sdk';
import { batchBodies, messages } from './ingest-traffic';

const argv = process.argv.slice(2);
const num = (flag: string, fallback: number) => (argv.includes(flag) ? Number(argv[argv.indexOf(flag) + 1]) : fallback);
const single = argv.includes('--single');
const rounds = num('--rounds', 10);
const iterations = num('--iterations', single ? 5000 : 30);
const shape = { users: 200_000, accounts: 20_000 };

const bodies = single
  ? [...messages(1, 'cpu', 0, 64, shape)].map((m) => ({ body: JSON.stringify(m), count: 1, type: m.type }))
  : [...batchBodies(messages(1, 'cpu', 0, 20_000, shape), 480 * 1024)].slice(0, 16).map((b) => ({ ...b, type: 'batch' }));
const raws = bodies.map((b) => Buffer.from(b.body));

let gcMs = 0;
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
}).observe({ entryTypes: ['gc'] });

const steps = { parseJsonBody: 0, normalizeEvents: 0, jsonbArrayParam: 0 };
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function once(i: number): number {
  const raw = raws[i % raws.length];
  let t = cpu();
  const parsed = parseJsonBody(raw) as { batch?: unknown[]; context?: never; integrations?: never };
  let now = cpu();
  steps.parseJsonBody += now - t;
  t = now;
  const events = single ? [{ ...parsed, type: bodies[i % bodies.length].type }] : (parsed.batch as unknown[]);
  const normalized = normalizeEvents(events, { context: parsed.context, integrations: parsed.integrations, batchLimits: true }, new Date());
  now = cpu();
  steps.normalizeEvents += now - t;
  t = now;
  jsonbArrayParam(normalized.accepted);
  steps.jsonbArrayParam += cpu() - t;
  return normalized.accepted.length;
}

const turn = () => new Promise((r) => setImmediate(r));
const results: { cpuMs: number; gcMs: number; steps: typeof steps }[] = [];
let accepted = 0;

async function main(): Promise<void> {
  for (let i = 0; i < iterations; i++) once(i); // warm-up
  for (let r = 0; r < rounds; r++) {
    await turn();
    gcMs = 0;
    for (const k of Object.keys(steps) as (keyof typeof steps)[]) steps[k] = 0;
    const c0 = cpu();
    // Requests one per turn of the event loop, as a server sees them (GC entries arrive between).
    for (let i = 0; i < iterations; i++) {
      accepted += once(i);
      await turn();
    }
    results.push({ cpuMs: (cpu() - c0) / iterations, gcMs: gcMs / iterations, steps: { ...steps } });
  }
  report();
}
function report(): void {
const round = (n: number) => Math.round(n * 1000) / 1000;
const by = (f: (x: (typeof results)[number]) => number) => results.map(f).sort((a, b) => a - b);
const min = (f: (x: (typeof results)[number]) => number) => round(by(f)[0]);
const median = (f: (x: (typeof results)[number]) => number) => round(by(f)[Math.floor(results.length / 2)]);
console.log(
  JSON.stringify({
    bench: 'edge-cpu',
    request: single ? 'single event' : `/v1/batch of ${Math.round(raws[0].length / 1024)} KB`,
    eventsPerRequest: round(accepted / (rounds * iterations)),
    cpuMsPerRequest: { min: min((x) => x.cpuMs), median: median((x) => x.cpuMs) },
    gcPauseMsPerRequest: { min: min((x) => x.gcMs), median: median((x) => x.gcMs) },
    stepsMsMin: Object.fromEntries(Object.keys(steps).map((k) => [k, min((x) => x.steps[k as keyof typeof steps] / iterations)])),
  }),
);
}

void main();
