import { Injectable, Logger } from '@nestjs/common';
import { DeadLettersService, PermanentJobError, QueueRegistry, returnToQueue, settleFailedAttempt } from '@hub/queue';
import { type Job, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { InboxDrain } from '../drain/inbox-drain.service';
import { DRAIN_INBOX_JOB, FANOUT_INBOX_JOB, fanoutJobOptions, RELAY_INBOX_JOB, RETAIN_INBOX_JOB, SUBSCRIPTIONS_QUEUE } from '../ingest-queue';
import { InboxRelay } from './inbox-relay.service';
import { InboxRetention } from './inbox-retention.service';

const drainData = z.object({ workspaceId: z.uuid() });

const FANOUT_EVERY_MS = 1000;

/** Whether the worker running the job is closing (SIGTERM) or the job was cancelled. */
export type StopCheck = () => boolean;

/**
 * Processes the `ingest` queue: `drain-inbox` projects a workspace's pending inbox rows,
 * `relay-inbox` and `retain-inbox` are the scheduled relay and retention. Failures go through
 * the queue's failure policy; a drain needs no dead letter to be safe (its rows stay pending in
 * Postgres and the relay enqueues it again), but one that keeps failing is worth an admin's eye.
 */
@Injectable()
export class IngestJobsProcessor {
  private readonly logger = new Logger('IngestJobs');

  constructor(
    private readonly drain: InboxDrain,
    private readonly relay: InboxRelay,
    private readonly retention: InboxRetention,
    private readonly queues: QueueRegistry,
    private readonly deadLetters: DeadLettersService,
  ) {}

  async process(job: Job, token: string | undefined, shouldStop: StopCheck): Promise<unknown> {
    let stopped = false;
    try {
      switch (job.name) {
        case DRAIN_INBOX_JOB: {
          const result = await this.drainJob(job, shouldStop);
          stopped = result.stopped;
          if (!stopped) return { batches: result.batches, inboxRows: result.inboxRows, counts: result.counts };
          break;
        }
        case RELAY_INBOX_JOB:
          return await this.relay.run();
        case RETAIN_INBOX_JOB:
          return await this.retention.run();
        default:
          throw new UnrecoverableError(`Unknown job "${job.name}" on queue ${job.queueName}`);
      }
    } catch (err) {
      if (err instanceof UnrecoverableError) throw err;
      return settleFailedAttempt(job, token, err, this.deadLetters);
    }
    // Shutting down mid-drain: back to "wait" at once (no attempt spent) for another replica.
    return returnToQueue(job, token);
  }

  private async drainJob(job: Job, shouldStop: StopCheck) {
    const parsed = drainData.safeParse(job.data);
    if (!parsed.success) {
      throw new PermanentJobError('INVALID_PAYLOAD', `Invalid drain-inbox payload: expected {workspaceId: uuid}`);
    }
    const { workspaceId } = parsed.data;
    const started = Date.now();
    // The fan-out hears of committed rows at most once a second during a long drain, and once at
    // its end: one job per batch would mean one job per few events under single-event traffic.
    let lastFanout = 0;
    let unannounced = false;
    const announce = async () => {
      lastFanout = Date.now();
      unannounced = false;
      await this.triggerFanout(workspaceId);
    };
    const result = await this.drain.drainWorkspace(workspaceId, {
      shouldStop,
      afterCommit: async () => {
        unannounced = true;
        if (Date.now() - lastFanout >= FANOUT_EVERY_MS) await announce();
      },
    });
    if (unannounced) await announce();
    if (result.batches > 0 || result.failedRows > 0) {
      this.logger.log({
        msg: 'inbox drained',
        workspaceId,
        jobId: job.id,
        batches: result.batches,
        inboxRows: result.inboxRows,
        failedRows: result.failedRows,
        counts: result.counts,
        ms: Date.now() - started,
        stopped: result.stopped,
      });
    }
    return result;
  }

  /**
   * Contract 5: committed rows go to the subscription fan-out (which claims every processed row
   * it has not handled, so one job covers any number of batches). A Redis hiccup here loses
   * nothing (the fan-out has its own relay for processed rows it has not seen), so it does not
   * fail a drain whose work is already committed.
   */
  private async triggerFanout(workspaceId: string): Promise<void> {
    try {
      await this.queues.add(SUBSCRIPTIONS_QUEUE, FANOUT_INBOX_JOB, { workspaceId }, fanoutJobOptions(workspaceId));
    } catch (err) {
      this.logger.warn({ msg: 'could not enqueue the fan-out; its relay will pick the rows up', workspaceId, err: (err as Error).message });
    }
  }
}
