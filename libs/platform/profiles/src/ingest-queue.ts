import type { JobsOptions } from 'bullmq';

/**
 * The ingestion queue scheme (TEAM.md contracts 2 and 5). The edge (`@hub/ingest`) enqueues
 * `drain-inbox` after committing an inbox row; the worker drains, then hands the committed rows
 * to the subscription fan-out. Payloads carry ids only, never event data.
 */
// The drain hand-off is defined once, by the edge that produces it.
export { DRAIN_INBOX_JOB, drainDeduplicationId, drainJobOptions, INGEST_QUEUE } from '@hub/ingest';
export const RELAY_INBOX_JOB = 'relay-inbox';
export const RETAIN_INBOX_JOB = 'retain-inbox';

export const SUBSCRIPTIONS_QUEUE = 'subscriptions';
export const FANOUT_INBOX_JOB = 'fanout-inbox';

export const fanoutDeduplicationId = (workspaceId: string) => `fanout:${workspaceId}`;

export interface WorkspaceJobData {
  workspaceId: string;
}

export const fanoutJobOptions = (workspaceId: string): JobsOptions => ({
  deduplication: { id: fanoutDeduplicationId(workspaceId) },
});
