import type { FetchLike } from '@hub/sdk';
import { isLoopbackHost } from './network';

/** An outgoing request as the partner would receive it. */
export interface CapturedRequest {
  method: string;
  url: string;
  /** Lower-cased names, sorted, so snapshots are stable. */
  headers: Record<string, string>;
  /** Parsed when the request is JSON, the raw text otherwise, `undefined` without a body. */
  body?: unknown;
}

export interface InterceptReply {
  status?: number;
  headers?: Record<string, string>;
  /** Serialized with `content-type: application/json`. */
  json?: unknown;
  body?: string;
  /** Answers late (honouring the request's abort signal), to exercise timeouts. */
  delayMs?: number;
}

export type Responder = InterceptReply | ((req: CapturedRequest) => InterceptReply | Promise<InterceptReply>);
export type RequestMatcher = (req: CapturedRequest) => boolean;

export interface InterceptOptions {
  /** How many requests this route answers; unlimited by default. */
  times?: number;
}

export class UnmatchedRequestError extends Error {
  readonly code = 'ERR_UNMATCHED_REQUEST';

  constructor(
    readonly request: CapturedRequest,
    registered: string[],
  ) {
    super(
      `No intercept matches ${request.method} ${request.url}. ` +
        `Answer it with intercept('${request.method}', '${request.url}', { status: 200, json: {} }). ` +
        (registered.length ? `Registered: ${registered.join(', ')}.` : 'No intercepts are registered.'),
    );
    this.name = 'UnmatchedRequestError';
  }
}

interface Route {
  label: string;
  matches: RequestMatcher;
  responder: Responder;
  remaining: number;
}

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function urlMatcher(pattern: string | RegExp): (url: string) => boolean {
  if (pattern instanceof RegExp) return (url) => pattern.test(url);
  const expected = new URL(pattern);
  // Without a query in the pattern, any query matches; with one, the whole URL must.
  return (url) => {
    const actual = new URL(url);
    if (expected.search) return actual.href === expected.href;
    return actual.origin === expected.origin && actual.pathname === expected.pathname;
  };
}

function bodyText(body: RequestInit['body']): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString('utf8');
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
  if (body instanceof URLSearchParams) return body.toString();
  return String(body);
}

function capture(input: string, init: RequestInit): CapturedRequest {
  const headers: Record<string, string> = {};
  const entries = [...new Headers(init.headers).entries()].sort(([a], [b]) => a.localeCompare(b));
  for (const [name, value] of entries) headers[name] = value;
  const text = bodyText(init.body);
  let body: unknown = text;
  if (text !== undefined && /[/+]json\b/.test(headers['content-type'] ?? '')) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  return { method: (init.method ?? 'GET').toUpperCase(), url: new URL(input).href, headers, body };
}

function wait(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function toResponse(reply: InterceptReply, url: string): Response {
  const status = reply.status ?? 200;
  const headers = new Headers(reply.headers);
  let body: string | null = reply.body ?? null;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  const res = new Response(NULL_BODY_STATUSES.has(status) ? null : body, { status, headers });
  Object.defineProperty(res, 'url', { value: url });
  return res;
}

/**
 * The route table behind the testing kit's fetch. Routes are tried in the order they were added;
 * a route with `times` stops answering once used up, so `429 once, then 200` is two intercepts.
 */
export class InterceptTable {
  private routes: Route[] = [];

  /** Answers `method url` (method `*` for any). A URL without a query matches any query. */
  intercept(method: string, url: string | RegExp, responder: Responder, options: InterceptOptions = {}): this {
    const wantedMethod = method.toUpperCase();
    const urlMatches = urlMatcher(url);
    return this.respondWith(
      (req) => (wantedMethod === '*' || req.method === wantedMethod) && urlMatches(req.url),
      responder,
      { ...options, label: `${wantedMethod} ${String(url)}` },
    );
  }

  respondWith(matcher: RequestMatcher, responder: Responder, options: InterceptOptions & { label?: string } = {}): this {
    this.routes.push({
      label: options.label ?? 'custom matcher',
      matches: matcher,
      responder,
      remaining: options.times ?? Number.POSITIVE_INFINITY,
    });
    return this;
  }

  /** Routes registered with `times` that have not been used up: expected calls that never came. */
  pending(): string[] {
    return this.routes.filter((r) => Number.isFinite(r.remaining) && r.remaining > 0).map((r) => r.label);
  }

  reset(): void {
    this.routes = [];
  }

  /** The route for a request, consuming one use of it. */
  take(req: CapturedRequest): Route | undefined {
    const route = this.routes.find((r) => r.remaining > 0 && r.matches(req));
    if (route) route.remaining -= 1;
    return route;
  }

  labels(): string[] {
    return this.routes.map((r) => r.label);
  }
}

export interface CapturingFetchOptions {
  table: InterceptTable;
  /** Receives every request, matched or not, in order. */
  onRequest?: (req: CapturedRequest) => void;
  /** Receives every request no route answered, before the fetch rejects. */
  onUnmatched?: (error: UnmatchedRequestError) => void;
  /** Unmatched requests to loopback go to the real fetch (local stand-in servers). Default true. */
  passthroughLoopback?: boolean;
}

/** A `fetch` that records each request and answers it from the route table. */
export function createCapturingFetch(options: CapturingFetchOptions): FetchLike {
  const passthrough = options.passthroughLoopback ?? true;
  return async (input, init) => {
    const req = capture(input, init);
    options.onRequest?.(req);
    if (init.signal?.aborted) throw init.signal.reason;
    const route = options.table.take(req);
    if (!route) {
      if (passthrough && isLoopbackHost(new URL(req.url).hostname)) return globalThis.fetch(input, init);
      const error = new UnmatchedRequestError(req, options.table.labels());
      options.onUnmatched?.(error);
      throw error;
    }
    const reply = typeof route.responder === 'function' ? await route.responder(req) : route.responder;
    if (reply.delayMs) await wait(reply.delayMs, init.signal);
    return toResponse(reply, req.url);
  };
}
