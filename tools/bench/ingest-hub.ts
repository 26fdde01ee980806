import { Agent, request } from 'node:http';
import { QueueEvents } from 'bullmq';

/** HTTP to the built admin app on loopback, with keep-alive (as a Segment library does). */
const agent = new Agent({ keepAlive: true, maxSockets: 256 });

export interface Answer {
  status: number;
  body: string;
  ms: number;
}

export function post(base: string, path: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const url = new URL(path, base);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, method: 'POST', hostname: url.hostname, port: url.port, path: url.pathname, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function api(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(new URL(path, base), {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

export const basicAuth = (key: string) => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

/** Sends items with at most `concurrency` requests in flight; throws on the first non-2xx. */
export async function sendAll<T>(items: Iterable<T>, concurrency: number, send: (item: T) => Promise<Answer>, latencies: number[]): Promise<number> {
  const iterator = items[Symbol.iterator]();
  let sent = 0;
  const lane = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      const answer = await send(next.value);
      if (answer.status < 200 || answer.status > 299) throw new Error(`hub answered ${answer.status}: ${answer.body.slice(0, 300)}`);
      latencies.push(answer.ms);
      sent++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return sent;
}

/**
 * Open loop at a fixed request rate for `seconds` (latency is measured as a sender sees it; a
 * slow answer does not slow the schedule down). Returns the number of messages sent.
 */
export async function sendAtRate<T extends { count: number }>(
  items: Iterator<T>,
  perSecond: number,
  seconds: number,
  send: (item: T) => Promise<Answer>,
  latencies: number[],
): Promise<{ requests: number; events: number }> {
  const interval = 1000 / perSecond;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let requests = 0;
  let events = 0;
  let failure: Error | undefined;
  for (let i = 0; performance.now() - started < seconds * 1000; i++) {
    const due = started + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const next = items.next();
    if (next.done) break;
    requests++;
    events += next.value.count;
    const p = send(next.value).then(
      (answer) => {
        if (answer.status < 200 || answer.status > 299) failure = new Error(`hub answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        latencies.push(answer.ms);
      },
      (err: Error) => {
        failure = err;
      },
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (failure) throw failure;
  }
  await Promise.all(inFlight);
  if (failure) throw failure;
  return { requests, events };
}

export function percentiles(values: number[]): { p50: number; p95: number; p99: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0);
  const round = (n: number) => Math.round(n * 100) / 100;
  return { p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
}

/** Counts jobs actually added (not deduplicated away) to the queues, from BullMQ's event stream. */
export class JobCounter {
  private readonly listeners: QueueEvents[];
  readonly added = new Map<string, number>();

  constructor(queues: string[], redisUrl: string, prefix: string) {
    const url = new URL(redisUrl);
    const connection = { host: url.hostname, port: Number(url.port || 6379), db: Number(url.pathname.slice(1) || 0) };
    this.listeners = queues.map((name) => {
      const events = new QueueEvents(name, { connection, prefix });
      events.on('added', () => this.added.set(name, (this.added.get(name) ?? 0) + 1));
      return events;
    });
  }

  async ready(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.waitUntilReady()));
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.added);
  }

  async close(): Promise<void> {
    await Promise.all(this.listeners.map((l) => l.close()));
  }
}
