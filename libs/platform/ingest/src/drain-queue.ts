import type { JobsOptions, Queue } from 'bullmq';

/**
 * The drain hand-off (TEAM.md contract 2): after committing an inbox row the edge enqueues
 * `drain-inbox` on the `ingest` queue with the workspace id only, deduplicated per workspace.
 * `keepLastIfActive` keeps one more job waiting while a drain runs, so rows committed during its
 * last pass are drained at once rather than by the relay.
 */
export const INGEST_QUEUE = 'ingest';
export const DRAIN_INBOX_JOB = 'drain-inbox';

export interface DrainInboxJobData {
  workspaceId: string;
}

export const drainDeduplicationId = (workspaceId: string): string => `drain:${workspaceId}`;

export const drainJobOptions = (workspaceId: string): JobsOptions => ({
  deduplication: { id: drainDeduplicationId(workspaceId), keepLastIfActive: true },
});

/** Adds the workspace's drain job (a no-op while one is already waiting). Ids only, never events. */
export async function enqueueDrain(queue: Pick<Queue, 'add'>, workspaceId: string): Promise<void> {
  const data: DrainInboxJobData = { workspaceId };
  await queue.add(DRAIN_INBOX_JOB, data, drainJobOptions(workspaceId));
}
