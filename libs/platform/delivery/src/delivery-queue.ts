import type { JobsOptions } from 'bullmq';

/**
 * The delivery queue scheme. Payloads carry ids only (never an input, a setting or the write
 * key): the rows and their inputs live in Postgres.
 *
 * - `flush` `{workspaceId, installationId}`: sends the installation's queued deliveries. One per
 *   installation at a time (`deduplication: flush:<installationId>`); the processor releases the
 *   key before its last look at the table, so rows committed meanwhile always get a flush.
 * - `redeliver` `{workspaceId, installationId, deliveryIds}`: what a dead letter of the ledger
 *   replays (the existing dead-letters API): the rows go back to `queued` and are flushed.
 * - `relay-deliveries`: a job scheduler that re-enqueues flushes for rows left queued (Redis lost
 *   a job, a worker died mid-flush, an installation was re-enabled).
 */
export const DELIVERY_QUEUE = 'delivery';
export const FLUSH_JOB = 'flush';
export const REDELIVER_JOB = 'redeliver';
export const RELAY_DELIVERIES_JOB = 'relay-deliveries';

export const flushDeduplicationId = (installationId: string) => `flush:${installationId}`;

export interface FlushJobData {
  workspaceId: string;
  installationId: string;
}

export interface RedeliverJobData extends FlushJobData {
  deliveryIds: string[];
}

/**
 * A flush retries with exponential backoff capped at 30 s (3, 6, 12, 24, 30, 30 ... s; 16
 * attempts, about 6 minutes): after an outage Segment is retried within 30 s of coming back,
 * instead of the uncapped schedule's minutes.
 */
export const FLUSH_BACKOFF = 'delivery-capped';
export const FLUSH_ATTEMPTS = 16;
export const flushBackoffMs = (attemptsMade: number) => Math.min(30_000, 3000 * 2 ** Math.max(0, attemptsMade - 1));

export const flushJobOptions = (installationId: string): JobsOptions => ({
  deduplication: { id: flushDeduplicationId(installationId) },
  attempts: FLUSH_ATTEMPTS,
  backoff: { type: FLUSH_BACKOFF },
});
