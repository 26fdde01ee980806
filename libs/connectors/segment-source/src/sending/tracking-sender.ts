import { randomUUID } from 'node:crypto';
import { type ConnectorError, PermanentApiError, RetryableError, ValidationError } from '@hub/sdk';
import { Analytics } from '@segment/analytics-node';
import type { AnalyticsCall } from '../messages/build-message';
import { wireBytes } from '../messages/build-message';
import { errorForSegmentFailure } from '../segment-errors';
import { GuardedAnalyticsHttpClient, type RequestObserver } from '../transport/analytics-http-client';
import type { TransportTarget } from '../transport/guarded-request';
import { planBatches, SEGMENT_LIMITS } from './batch-plan';

export type SendOutcome = { ok: true; messageId: string } | { ok: false; error: ConnectorError };

export interface SendOptions {
  writeKey: string;
  target: TransportTarget;
  /** Human name of the target for messages ("Segment (US, ...)"). */
  where: string;
  signal?: AbortSignal;
  /** Requests in flight at once for one call. */
  concurrency?: number;
  httpRequestTimeoutMs?: number;
  observer?: RequestObserver;
}

const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

/**
 * Sends messages through `@segment/analytics-node` (pinned 3.1.0) in requests we planned by
 * bytes, and returns one outcome per message, in order. Per request, one client with
 * `flushAt = events in the request` (so the library sends exactly our batch), `maxRetries: 0`
 * (the queue retries: persisted, visible in the ledger, bounded memory; the library's in-memory
 * loop would hold the batch in the heap for up to 12 h and sleep on 429 inside the job), and our
 * guarded HTTP client. Outcomes come from the client's emitter (`<type>` on delivery, `error`
 * with `delivery_failure`), which fires before `closeAndFlush` resolves; the per-call callback
 * would add the library's 300 ms callback delay to every request.
 */
export async function sendCalls(calls: AnalyticsCall[], options: SendOptions): Promise<SendOutcome[]> {
  const outcomes: SendOutcome[] = new Array(calls.length);
  // A stable id per logical message is what lets Segment dedupe a retry: one is made up only for
  // direct calls that bring none (the delivery ledger always assigns one before queueing).
  const sizes = new Array<{ index: number; bytes: number }>(calls.length);
  calls.forEach((call, index) => {
    call.params.messageId ??= randomUUID();
    sizes[index] = { index, bytes: wireBytes(call) };
  });
  const plan = planBatches(sizes);
  for (const index of plan.oversize) {
    outcomes[index] = {
      ok: false,
      error: new PermanentApiError(
        `The event is about ${sizes[index].bytes} bytes on the wire, over Segment's ${SEGMENT_LIMITS.maxEventBytes}-byte (32 KB) limit: not sent`,
        413,
      ),
    };
  }
  const queue = [...plan.batches];
  // Two requests in flight: one on the wire while the next is built; more only adds batches held in the heap.
  const lanes = Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 2, queue.length)) }, async () => {
    for (let batch = queue.shift(); batch; batch = queue.shift()) {
      const results = await sendOneRequest(batch.map((i) => calls[i]), options);
      batch.forEach((index, k) => (outcomes[index] = results[k]));
    }
  });
  await Promise.all(lanes);
  return outcomes;
}

async function sendOneRequest(calls: AnalyticsCall[], options: SendOptions): Promise<SendOutcome[]> {
  const timeout = options.httpRequestTimeoutMs ?? 15_000;
  const analytics = new Analytics({
    writeKey: options.writeKey,
    host: options.target.origin,
    path: '/v1/batch',
    flushAt: calls.length,
    // Our batch is complete once the last call is made; the timer never has to fire.
    flushInterval: 60_000,
    maxRetries: 0,
    httpRequestTimeout: timeout,
    httpClient: new GuardedAnalyticsHttpClient(options.target, options.signal, options.observer),
  });
  const delivered = new Set<string>();
  const failed = new Map<string, unknown>();
  analytics.on('error', (e) => {
    const id = (e as { ctx?: { event?: { messageId?: string } } }).ctx?.event?.messageId;
    if (id) failed.set(id, (e as { reason?: unknown }).reason);
  });
  for (const type of TYPES) analytics.on(type, (ctx) => ctx.event.messageId && delivered.add(ctx.event.messageId));

  const early: (SendOutcome | undefined)[] = calls.map((call) => {
    try {
      // The library validates synchronously (e.g. an empty event name) and throws.
      (analytics[call.type] as (p: unknown) => void)(call.params);
      return undefined;
    } catch (err) {
      return { ok: false, error: new ValidationError(`analytics-node refused the message: ${(err as Error).message}`) };
    }
  });
  await analytics.closeAndFlush({ timeout: timeout + 5_000 });

  return calls.map((call, k) => {
    const before = early[k];
    if (before) return before;
    const id = call.params.messageId as string;
    if (failed.has(id)) return { ok: false, error: errorForSegmentFailure(failed.get(id), options.where) };
    if (delivered.has(id)) return { ok: true, messageId: id };
    return { ok: false, error: new RetryableError(`No delivery result from analytics-node for message ${id} (flush timed out)`) };
  });
}
