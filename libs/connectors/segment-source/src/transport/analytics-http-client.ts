import type { HTTPClient, HTTPClientRequest, HTTPResponse } from '@segment/analytics-node';
import { retryAfterOf, SegmentHttpError } from '../segment-errors';
import { guardedRequest, type TransportTarget } from './guarded-request';

export interface RequestObserver {
  /** Called with each request body analytics-node sends (sizes, tests). */
  onRequest?(info: { url: string; bytes: number; events: number }): void;
}

/**
 * analytics-node's HTTP client, replaced so that (1) connections go through `guardedRequest`
 * (pinned DNS, no redirects, target origin only) and (2) every non-2xx answer is thrown as a
 * SegmentHttpError. With `maxRetries: 0`, a thrown error fails the batch at once and reaches our
 * per-message outcome with its status, so the queue, not the library, decides what happens
 * next. Without this, the library would count 3xx as delivered and sleep in-process on a 429.
 */
export class GuardedAnalyticsHttpClient implements HTTPClient {
  constructor(
    private readonly target: TransportTarget,
    private readonly signal: AbortSignal | undefined,
    private readonly observer: RequestObserver = {},
  ) {}

  async makeRequest(options: HTTPClientRequest): Promise<HTTPResponse> {
    if (this.observer.onRequest) {
      this.observer.onRequest({ url: options.url, bytes: Buffer.byteLength(options.body, 'utf8'), events: countEvents(options.body) });
    }
    const res = await guardedRequest(this.target, {
      url: new URL(options.url),
      method: options.method,
      headers: options.headers,
      body: options.body,
      timeoutMs: options.httpRequestTimeout,
      signal: this.signal,
    });
    if (res.status < 200 || res.status >= 300) {
      throw new SegmentHttpError(res.status, retryAfterOf(res.headers), summarize(res.body), res.headers['location']);
    }
    return { status: res.status, statusText: res.statusText, headers: res.headers };
  }
}

function countEvents(body: string): number {
  // Only for observers; the body is ours, so a cheap scan is enough.
  const match = body.match(/"messageId":/g);
  return match ? match.length : 0;
}

export function summarize(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed?.message === 'string') return parsed.message.slice(0, 300);
  } catch {
    // not JSON
  }
  return body.slice(0, 300);
}
