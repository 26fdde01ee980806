import { Injectable, Logger } from '@nestjs/common';
import { QueueRegistry } from '@hub/queue';
import { enqueueDrain, INGEST_QUEUE } from './drain-queue';

/** A drain enqueue never holds an inbound answer longer than this. */
const ENQUEUE_TIMEOUT_MS = 500;
/** After a failure, skip Redis for this long: the relay drains meanwhile, requests stay fast. */
const BACKOFF_MS = 5000;

/**
 * Enqueues `drain-inbox` after a commit. Redis is the dispatcher, not the store: when it is away
 * the row is already committed and the worker's relay finds it, so a failure here is logged and
 * swallowed, never turned into an error for the sender.
 */
@Injectable()
export class DrainEnqueuer {
  private readonly logger = new Logger('DrainEnqueuer');
  private pausedUntil = 0;

  constructor(private readonly queues: QueueRegistry) {}

  async enqueue(workspaceId: string): Promise<boolean> {
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
