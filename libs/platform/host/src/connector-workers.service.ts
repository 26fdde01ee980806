import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { drainWorkers, QueueRegistry } from '@hub/queue';
import { Worker } from 'bullmq';
import { ConnectorJobsProcessor } from './connector-jobs.processor';
import { ConnectorRegistry, type RegisteredConnector } from './connector-registry';

/**
 * One BullMQ `Worker` per connector queue, built here rather than with `@Processor()` classes:
 * `@nestjs/bullmq` binds a processor class to a queue name at compile time, while our queues come
 * from the catalog the app passes in. All workers share `ConnectorJobsProcessor`.
 *
 * Concurrency: BullMQ groups (per-installation concurrency) are a Pro feature, so a connector's
 * `limits.concurrency` caps its whole queue per worker process (min with HUB_WORKER_CONCURRENCY).
 * That bounds one installation at `limits.concurrency` per replica, at the price of also bounding
 * the connector's other installations; rate limits per installation are a later issue.
 *
 * Shutdown: workers drain in `beforeApplicationShutdown`, before TypeORM closes its pool in
 * `onApplicationShutdown`, so in-flight jobs can still write their results.
 */
@Injectable()
export class ConnectorWorkers implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('ConnectorWorkers');
  private workers: Worker[] = [];

  constructor(
    private readonly registry: ConnectorRegistry,
    private readonly queues: QueueRegistry,
    private readonly processor: ConnectorJobsProcessor,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  static concurrencyFor(connector: RegisteredConnector, max: number): number {
    return Math.max(1, Math.min(max, connector.definition.limits?.concurrency ?? max));
  }

  async onApplicationBootstrap(): Promise<void> {
    const connectors = this.registry.list();
    // Redis persistence and eviction are checked once per process by RedisPolicyModule
    // (@hub/observability), which the worker app imports before this module starts.
    for (const connector of connectors) {
      const worker = new Worker(
        connector.queueName,
        // Three parameters: BullMQ then passes an AbortSignal (cancelJob / cancelAllJobs).
        (job, token, signal) => this.processor.process(job, token, signal),
        {
          ...this.queues.workerOptions(),
          concurrency: ConnectorWorkers.concurrencyFor(connector, this.config.HUB_WORKER_CONCURRENCY),
          autorun: true,
        },
      );
      worker.on('error', (err) => this.logger.warn({ msg: 'worker error', queue: connector.queueName, err: err.message }));
      this.workers.push(worker);
    }
    this.logger.log({ msg: 'workers started', queues: this.workers.map((w) => w.name) });
  }

  /** For readiness checks and tests. */
  get all(): readonly Worker[] {
    return this.workers;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const workers = this.workers;
    this.workers = [];
    const result = await drainWorkers(workers, this.config.HUB_SHUTDOWN_TIMEOUT_MS, this.logger);
    this.logger.log({ msg: 'workers closed', ...result });
  }
}
