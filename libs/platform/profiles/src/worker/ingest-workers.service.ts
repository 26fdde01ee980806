import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { drainWorkers, isShutdownAbort, QueueRegistry } from '@hub/queue';
import { Worker } from 'bullmq';
import { INGEST_QUEUE } from '../ingest-queue';
import { InboxRelay } from './inbox-relay.service';
import { IngestJobsProcessor } from './ingest-jobs.processor';

/** The relay's schedulers are upserted again every this many relay intervals. */
const RESCHEDULE_EVERY_INTERVALS = 6;

/**
 * The BullMQ worker of the `ingest` queue, built at bootstrap like the host's connector workers
 * (same shared connection and prefix from QueueRegistry, same SIGTERM drain).
 *
 * Locks are shorter than BullMQ's 30 s default so a drain whose worker was SIGKILLed is found
 * stalled and restarted within seconds, and a drain may stall many times before BullMQ gives up
 * on it: redoing a drain is always safe (its effects are keyed by messageId).
 */
@Injectable()
export class IngestWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('IngestWorkers');
  private worker: Worker | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** Set on shutdown: a running drain stops between batches and returns its job to the queue. */
  private closing = false;

  constructor(
    private readonly queues: QueueRegistry,
    private readonly processor: IngestJobsProcessor,
    private readonly relay: InboxRelay,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.queues.declareQueues([INGEST_QUEUE]);
    const worker = new Worker(
      INGEST_QUEUE,
      (job, token, signal) => this.processor.process(job, token, () => this.closing || isShutdownAbort(signal) || !!signal?.aborted),
      {
        ...this.queues.workerOptions(),
        concurrency: this.config.HUB_WORKER_CONCURRENCY,
        lockDuration: 10_000,
        stalledInterval: 5_000,
        maxStalledCount: 50,
        autorun: true,
      },
    );
    worker.on('error', (err) => this.logger.warn({ msg: 'worker error', queue: INGEST_QUEUE, err: err.message }));
    this.worker = worker;
    await this.reschedule();
    this.timer = setInterval(() => void this.reschedule(), this.relay.intervalMs * RESCHEDULE_EVERY_INTERVALS);
    this.timer.unref();
    this.logger.log({ msg: 'ingest worker started', queue: INGEST_QUEUE, relayIntervalMs: this.relay.intervalMs });
  }

  get all(): readonly Worker[] {
    return this.worker ? [this.worker] : [];
  }

  private async reschedule(): Promise<void> {
    try {
      await this.relay.schedule();
    } catch (err) {
      // Redis away at boot: the worker still starts and tries again on the next tick.
      this.logger.warn({ msg: 'could not upsert the inbox relay schedulers', err: (err as Error).message });
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    const workers = this.worker ? [this.worker] : [];
    this.worker = undefined;
    const result = await drainWorkers(workers, this.config.HUB_SHUTDOWN_TIMEOUT_MS, this.logger);
    this.logger.log({ msg: 'ingest worker closed', ...result });
  }
}
