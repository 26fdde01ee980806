import type { JobsOptions } from 'bullmq';

/**
 * The ingestion queue scheme (TEAM.md contracts 2 and 5). The edge (`@hub/ingest`) enqueues
 * `drain-inbox` after committing an inbox row; the worker drains, then hands the committed rows
 * to the subscription fan-out. Payloads carry ids only, never event data.
 */
export const INGEST_QUEUE = 'ingest';
export const DRAIN_INBOX_JOB = 'drain-inbox';
export const RELAY_INBOX_JOB = 'relay-inbox';
export const RETAIN_INBOX_JOB = 'retain-inbox';

export const SUBSCRIPTIONS_QUEUE = 'subscriptions';
export const FANOUT_INBOX_JOB = 'fanout-inbox';

export const drainDeduplicationId = (workspaceId: string) => `drain:${workspaceId}`;
export const fanoutDeduplicationId = (workspaceId: string) => `fanout:${workspaceId}`;

export interface WorkspaceJobData {
  workspaceId: string;
}

/**
 * One drain job per workspace at a time: while one runs, one more may wait (`keepLastIfActive`),
 * so rows committed during a drain's last pass are picked up at once instead of by the relay.
 */
export const drainJobOptions = (workspaceId: string): JobsOptions => ({
  deduplication: { id: drainDeduplicationId(workspaceId), keepLastIfActive: true },
});

export const fanoutJobOptions = (workspaceId: string): JobsOptions => ({
  deduplication: { id: fanoutDeduplicationId(workspaceId) },
});
