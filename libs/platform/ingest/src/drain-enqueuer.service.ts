import { Injectable, Logger } from '@nestjs/common';
import { QueueRegistry } from '@hub/queue';
import { enqueueDrain, INGEST_QUEUE } from './drain-queue';

/** A drain enqueue never holds an inbound answer longer than this. */
const ENQUEUE_TIMEOUT_MS = 500;
/** After a failure, skip Redis for this long: the relay drains meanwhile, requests stay fast. */
const BACKOFF_MS = 5000;

/** Requests of one workspace waiting for the next `drain-inbox` add. */
interface Lane {
  running: boolean;
  waiting: ((enqueued: boolean) => void)[];
}

/**
 * Enqueues `drain-inbox` after a commit. Redis is the dispatcher, not the store: when it is away
 * the row is already committed and the worker's relay finds it, so a failure here is logged and
 * swallowed, never turned into an error for the sender.
 *
 * Coalesced per workspace: at most one add is in flight per workspace, and every request that
 * committed meanwhile shares the next one. An add covers every row committed before it reached
 * Redis (the job waits, or, while a drain runs, `keepLastIfActive` keeps one more), and each
 * request's add starts after its commit, so none is left to the relay, with one Redis round trip
 * per burst instead of one per request.
 */
@Injectable()
export class DrainEnqueuer {
  private readonly logger = new Logger('DrainEnqueuer');
  private pausedUntil = 0;
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly queues: QueueRegistry) {}

  enqueue(workspaceId: string): Promise<boolean> {
    if (Date.now() < this.pausedUntil) return Promise.resolve(false);
    let lane = this.lanes.get(workspaceId);
    if (!lane) {
      lane = { running: false, waiting: [] };
      this.lanes.set(workspaceId, lane);
    }
    const settled = new Promise<boolean>((resolve) => lane.waiting.push(resolve));
    if (!lane.running) void this.pump(workspaceId, lane);
    return settled;
  }

  private async pump(workspaceId: string, lane: Lane): Promise<void> {
    lane.running = true;
    try {
      while (lane.waiting.length > 0) {
        const batch = lane.waiting.splice(0);
        const enqueued = await this.add(workspaceId);
        for (const resolve of batch) resolve(enqueued);
      }
    } finally {
      lane.running = false;
      if (this.lanes.get(workspaceId) === lane && lane.waiting.length === 0) this.lanes.delete(workspaceId);
    }
  }

  private async add(workspaceId: string): Promise<boolean> {
    if (Date.now() < this.pausedUntil) return false;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        enqueueDrain(this.queues.get(INGEST_QUEUE), workspaceId),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer from Redis within ${ENQUEUE_TIMEOUT_MS} ms`)), ENQUEUE_TIMEOUT_MS);
        }),
      ]);
      return true;
    } catch (err) {
      this.pausedUntil = Date.now() + BACKOFF_MS;
      this.logger.warn({ msg: 'drain-inbox not enqueued; the inbox relay will pick the rows up', workspaceId, err: (err as Error).message });
      return false;
    } finally {
      clearTimeout(timer);
    }
  }
}
