import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { judgeTrackingApiRequest, TRACKING_API_LIMITS, type AcceptedMessage, type DropReason } from './tracking-api-rules';

/** One request as the stand-in saw it. */
export interface StandInRequest {
  method: string;
  path: string;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  bytes: number;
  events: number;
  status: number;
  /** Why it was answered as it was: `accepted`, `scripted`, or the rule that refused it. */
  outcome: string;
  violatesLimits: boolean;
  /** Parsed body, kept only for the last `keepBodies` requests (snapshots, debugging). */
  body?: unknown;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SegmentStandInOptions {
  /** Write keys the stand-in accepts. */
  writeKeys: string[];
  host?: string;
  port?: number;
  /** How many recent request bodies to keep (0 for benchmarks). Default 50. */
  keepBodies?: number;
  /** Delay before each answer, to model a slow Segment. */
  latencyMs?: number;
}

const MAX_REQUEST = TRACKING_API_LIMITS.maxRequestBytes;

/**
 * A local stand-in for Segment's HTTP Tracking API (`/v1/identify|track|page|screen|group|alias|batch`)
 * that enforces the documented rules (see `judgeTrackingApiRequest`) and records what a test needs
 * to assert on: every request with its size and answer, and how many times each messageId arrived
 * in an accepted request. Tests script failures (`failNext`, `rateLimitNext`, `redirectNext`) and
 * outages (`down()`/`up()`, which close and reopen the listening socket on the same port).
 */
export class SegmentStandIn {
  readonly requests: StandInRequest[] = [];
  /** messageId -> times it arrived in an accepted request (Segment would dedupe repeats). */
  readonly received = new Map<string, number>();
  readonly dropped: Record<DropReason, number> = { too_many_events: 0, missing_identity: 0 };
  /** TCP connections accepted since start or reset. */
  connections = 0;
  private readonly keys: Set<string>;
  private readonly script: ScriptedReply[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly keepBodies: number;
  private server: Server | undefined;
  private port = 0;
  private acceptedLog: AcceptedMessage[] = [];
  private listeners: ((m: AcceptedMessage) => void)[] = [];
  private repeated = 0;

  private constructor(private readonly options: SegmentStandInOptions) {
    this.keys = new Set(options.writeKeys);
    this.keepBodies = options.keepBodies ?? 50;
  }

  static async start(options: SegmentStandInOptions): Promise<SegmentStandIn> {
    const standIn = new SegmentStandIn(options);
    standIn.port = options.port ?? 0;
    await standIn.up();
    return standIn;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  get url(): string {
    return `http://${this.host}:${this.port}`;
  }

  get isUp(): boolean {
    return this.server !== undefined;
  }

  /** Opens the listening socket (again, on the same port after `down()`). */
  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer({ keepAlive: true }, (req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.connections += 1;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Segment is unreachable: the port refuses connections and open ones are cut. */
  async down(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async stop(): Promise<void> {
    await this.down();
  }

  /** The next `times` requests get this answer instead of being judged (nothing is accepted). */
  failNext(times: number, reply: ScriptedReply): this {
    for (let i = 0; i < times; i++) this.script.push(reply);
    return this;
  }

  rateLimitNext(times: number, retryAfterSeconds: number): this {
    return this.failNext(times, {
      status: 429,
      headers: { 'retry-after': String(retryAfterSeconds), 'x-ratelimit-reset': String(retryAfterSeconds) },
      body: { message: 'Too many requests' },
    });
  }

  redirectNext(times: number, location: string, status = 307): this {
    return this.failNext(times, { status, headers: { location }, body: { message: 'moved' } });
  }

  /** Called with every accepted message (e.g. to wait until N arrived). */
  onAccepted(listener: (m: AcceptedMessage) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** Accepted messages in arrival order (bodies kept only while `keepBodies` > 0). */
  get accepted(): readonly AcceptedMessage[] {
    return this.acceptedLog;
  }

  /** Distinct messageIds accepted. */
  get distinctMessages(): number {
    return this.received.size;
  }

  /** How many messageIds arrived more than once (kept as requests come in: cheap to poll). */
  get duplicateCount(): number {
    return this.repeated;
  }

  /** messageIds that arrived more than once. */
  duplicates(): string[] {
    return [...this.received].filter(([, n]) => n > 1).map(([id]) => id);
  }

  /** Requests that broke a documented limit (size or count). */
  get violations(): number {
    return this.requests.filter((r) => r.violatesLimits).length;
  }

  /** Waits until `count` distinct messages were accepted, or fails after `timeoutMs`. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.size < count) {
      if (Date.now() > deadline) {
        throw new Error(`stand-in saw ${this.received.size} of ${count} messages after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  reset(): void {
    this.requests.length = 0;
    this.received.clear();
    this.repeated = 0;
    this.script.length = 0;
    this.acceptedLog = [];
    this.connections = 0;
    this.dropped.too_many_events = 0;
    this.dropped.missing_identity = 0;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let bytes = 0;
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        bytes += chunk.length;
        // Past the limit the rest is counted, not kept: the answer is 400 either way.
        if (bytes <= MAX_REQUEST + 1) chunks.push(chunk);
      }
    } catch {
      return;
    }
    const body = Buffer.concat(chunks);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: StandInRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers,
      bytes,
      events: 0,
      status: 0,
      outcome: '',
      violatesLimits: false,
    };
    if (this.keepBodies > 0) {
      try {
        record.body = JSON.parse(body.toString('utf8'));
      } catch {
        record.body = body.toString('utf8').slice(0, 2000);
      }
    }
    this.requests.push(record);
    if (this.keepBodies >= 0) {
      let withBodies = 0;
      for (let i = this.requests.length - 1; i >= 0; i--) {
        if (this.requests[i].body !== undefined && ++withBodies > this.keepBodies) delete this.requests[i].body;
      }
    }

    if (this.options.latencyMs) await new Promise((r) => setTimeout(r, this.options.latencyMs));
    const scripted = this.script.shift();
    if (scripted) {
      record.status = scripted.status;
      record.outcome = 'scripted';
      return this.answer(res, scripted.status, scripted.body ?? {}, scripted.headers);
    }
    if (record.method !== 'POST') {
      record.status = 405;
      record.outcome = 'method';
      return this.answer(res, 405, { message: 'Only POST is supported' });
    }
    const verdict = judgeTrackingApiRequest(
      { path: record.path, headers, body: bytes > MAX_REQUEST ? Buffer.alloc(MAX_REQUEST + 1) : body },
      this.keys,
    );
    record.status = verdict.status;
    record.events = verdict.events;
    record.violatesLimits = verdict.violatesLimits;
    record.outcome = verdict.status === 200 ? 'accepted' : String(verdict.body.message ?? 'refused');
    for (const drop of verdict.dropped) this.dropped[drop.reason] += drop.count;
    for (const message of verdict.accepted) {
      const seen = this.received.get(message.messageId) ?? 0;
      if (seen === 1) this.repeated += 1;
      this.received.set(message.messageId, seen + 1);
      if (this.keepBodies > 0) this.acceptedLog.push(message);
      for (const listener of this.listeners) listener(message);
    }
    this.answer(res, verdict.status, verdict.body);
  }

  private answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
    res.end(text);
  }
}
