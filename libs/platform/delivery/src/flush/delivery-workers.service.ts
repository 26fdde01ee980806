import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { drainWorkers, QueueRegistry } from '@hub/queue';
import { type Job, Worker } from 'bullmq';
import { DELIVERY_QUEUE, FLUSH_BACKOFF, FLUSH_JOB, flushBackoffMs, REDELIVER_JOB, RELAY_DELIVERIES_JOB } from '../delivery-queue';
import { FANOUT_INBOX_JOB, FANOUT_RELAY_JOB, FanoutProcessor, SUBSCRIPTIONS_QUEUE } from '../subscriptions/fanout.processor';
import { DeliveryRelay } from './delivery-relay.service';
import { FlushProcessor } from './flush.processor';

/**
 * The `delivery` queue's BullMQ worker, built at bootstrap like the host's connector workers
 * (shared connection and prefix from QueueRegistry, the same SIGTERM drain). Concurrency is low
 * on purpose: each flush runs HUB_DELIVERY_LANES lanes, each holding one Postgres connection
 * while its batch is in flight.
 */
@Injectable()
export class DeliveryWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('DeliveryWorkers');
  private workers: Worker[] = [];

  constructor(
    private readonly queues: QueueRegistry,
    private readonly flush: FlushProcessor,
    private readonly relay: DeliveryRelay,
    private readonly fanout: FanoutProcessor,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.queues.declareQueues([DELIVERY_QUEUE, SUBSCRIPTIONS_QUEUE]);
    const concurrency = Math.max(1, Math.min(this.config.HUB_WORKER_CONCURRENCY, Math.floor(this.config.DATABASE_POOL_SIZE / (2 * this.config.HUB_DELIVERY_LANES)) || 1));
    const worker = new Worker(DELIVERY_QUEUE, (job, token, signal) => this.process(job, token, signal), {
      ...this.queues.workerOptions(),
      concurrency,
      // A flush whose worker was SIGKILLed is found stalled and restarted within seconds (its
      // rows were freed at once by Postgres); running a flush again is safe: same messageIds.
      lockDuration: 15_000,
      stalledInterval: 5_000,
      maxStalledCount: 20,
      settings: { backoffStrategy: (attemptsMade: number, type?: string) => (type === FLUSH_BACKOFF ? flushBackoffMs(attemptsMade) : 3000) },
      autorun: true,
    });
    worker.on('error', (err) => this.logger.warn({ msg: 'worker error', queue: DELIVERY_QUEUE, err: err.message }));
    // The fan-out: one job per workspace at a time (deduplicated by the producer).
    const fanout = new Worker(SUBSCRIPTIONS_QUEUE, (job) => this.processFanout(job), {
      ...this.queues.workerOptions(),
      concurrency: 2,
      autorun: true,
    });
    fanout.on('error', (err) => this.logger.warn({ msg: 'worker error', queue: SUBSCRIPTIONS_QUEUE, err: err.message }));
    this.workers = [worker, fanout];
    try {
      await this.relay.schedule();
      await this.fanout.schedule();
    } catch (err) {
      this.logger.warn({ msg: 'could not upsert the delivery relay schedulers', err: (err as Error).message });
    }
    this.logger.log({ msg: 'delivery worker started', queue: DELIVERY_QUEUE, concurrency, lanes: this.config.HUB_DELIVERY_LANES });
  }

  private async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    switch (job.name) {
      case FLUSH_JOB:
      case REDELIVER_JOB:
        return this.flush.process(job, token, signal);
      case RELAY_DELIVERIES_JOB:
        return this.relay.run();
      default:
        throw new Error(`Unknown job "${job.name}" on queue ${DELIVERY_QUEUE}`);
    }
  }

  private async processFanout(job: Job): Promise<unknown> {
    if (job.name === FANOUT_INBOX_JOB) return this.fanout.process(job);
    if (job.name === FANOUT_RELAY_JOB) return this.fanout.relay();
    throw new Error(`Unknown job "${job.name}" on queue ${SUBSCRIPTIONS_QUEUE}`);
  }

  get all(): readonly Worker[] {
    return this.workers;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    const result = await drainWorkers(workers, this.config.HUB_SHUTDOWN_TIMEOUT_MS, this.logger);
    this.logger.log({ msg: 'delivery worker closed', ...result });
  }
}
