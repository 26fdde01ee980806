/**
 * CPU cost of the inbound edge's synchronous work for one ~480 KB `/v1/batch` request and one
 * single-event request, in process (no HTTP, no Postgres): what the accept path burns per request.
 *
 * `node -r @swc-node/register tools/bench/edge-cpu.ts [--iterations N]`
 */
import { segmentDestinationConnector } from '@hub/connector-segment-destination';
import { parseJsonBody } from '@hub/sdk';
import { batchBodies, messages } from './ingest-traffic';
import { jsonbArrayParam, normalizeEvents } from '@hub/ingest';

const shape = { users: 200_000, accounts: 20_000 };
const argv = process.argv.slice(2);
const iterations = Number(argv[argv.indexOf('--iterations') + 1]) || 100;

const body = batchBodies(messages(1, 'cpu', 0, 5000, shape), 480 * 1024).next().value as { body: string; count: number };
const raw = Buffer.from(body.body);

function step<T>(timings: Record<string, number>, name: string, fn: () => T): T {
  const t = process.cpuUsage();
  const out = fn();
  const used = process.cpuUsage(t);
  timings[name] = (timings[name] ?? 0) + (used.user + used.system) / 1000;
  return out;
}

function once(timings: Record<string, number>) {
  const parsed = step(timings, 'parseJsonBody', () => parseJsonBody(raw)) as { batch: unknown[]; context?: never; integrations?: never };
  const normalized = step(timings, 'normalizeEvents', () =>
    normalizeEvents(parsed.batch, { context: parsed.context, integrations: parsed.integrations, batchLimits: true }, new Date()),
  );
  step(timings, 'jsonbArrayParam', () => jsonbArrayParam(normalized.accepted));
  return normalized.accepted.length;
}

void segmentDestinationConnector;
const warm: Record<string, number> = {};
for (let i = 0; i < 10; i++) once(warm);
const timings: Record<string, number> = {};
const cpu0 = process.cpuUsage();
const t0 = performance.now();
let events = 0;
for (let i = 0; i < iterations; i++) events += once(timings);
const wall = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const per = (ms: number) => Math.round((ms / iterations) * 100) / 100;
console.log(
  JSON.stringify({
    bodyBytes: raw.length,
    eventsPerRequest: body.count,
    acceptedPerRequest: events / iterations,
    wallMsPerRequest: per(wall),
    cpuMsPerRequest: per((cpu.user + cpu.system) / 1000),
    steps: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, per(v)])),
  }),
);
