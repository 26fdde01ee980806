import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { getSharedConfigToken } from '@nestjs/bullmq';
import { Queue, type JobsOptions, type QueueOptions, type WorkerOptions } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { connectorQueueName } from './connector-jobs';
import { QueueUnavailableError } from './queue.exception';

/** An admin request must not hang on a dead Redis: it answers 503 instead. */
const PRODUCER_TIMEOUT_MS = 5000;

/**
 * One `Queue` per connector, created on first use and closed on shutdown. Queues are dynamic
 * (the catalog is passed in by the apps, and a dead letter names its queue as a string), so they
 * are built here from the shared `BullModule.forRootAsync` configuration rather than with
 * `BullModule.registerQueue`, which needs every name when the module graph is built.
 */
@Injectable()
export class QueueRegistry implements OnApplicationShutdown {
  private readonly logger = new Logger('QueueRegistry');
  private readonly queues = new Map<string, Queue>();
  private readonly declared = new Set<string>();

  constructor(@Inject(getSharedConfigToken()) private readonly shared: QueueOptions) {}

  /** The host declares the queues of the connectors it knows; replays go only to those. */
  declareQueues(names: Iterable<string>): void {
    for (const name of names) this.declared.add(name);
  }

  isDeclared(name: string): boolean {
    return this.declared.has(name);
  }

  get prefix(): string {
    return this.shared.prefix ?? 'bull';
  }

  get defaultJobOptions(): JobsOptions {
    return { ...(this.shared.defaultJobOptions ?? {}) };
  }

  /** Connection and prefix for a `Worker` of one of our queues. */
  workerOptions(): Pick<WorkerOptions, 'connection' | 'prefix'> {
    return { connection: { ...(this.shared.connection as RedisOptions) }, prefix: this.prefix };
  }

  forConnector(connectorId: string): Queue {
    return this.get(connectorQueueName(connectorId));
  }

  get(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        ...this.shared,
        // A producer fails fast while Redis is away instead of buffering commands it may run
        // after the caller has already been told 503.
        connection: { ...(this.shared.connection as RedisOptions), enableOfflineQueue: false },
      });
      queue.on('error', (err) => this.logger.warn({ msg: 'queue connection error', queue: name, err: err.message }));
      this.queues.set(name, queue);
    }
    return queue;
  }

  /** Adds a job; a Redis failure becomes QueueUnavailableError (503). Returns the job id. */
  async add(queueName: string, jobName: string, data: Record<string, unknown>, opts?: JobsOptions): Promise<string> {
    const job = await this.produce(() => this.get(queueName).add(jobName, data, opts));
    return String(job.id);
  }

  /** Runs a producer-side operation (schedulers, adds) with the 503 timeout. */
  async produce<T>(operation: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        operation(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('timed out waiting for Redis')), PRODUCER_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof QueueUnavailableError) throw err;
      this.logger.warn({ msg: 'queue operation failed', err: (err as Error).message });
      throw new QueueUnavailableError(err);
    } finally {
      clearTimeout(timer);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    const queues = [...this.queues.values()];
    this.queues.clear();
    await Promise.allSettled(queues.map((q) => q.close()));
  }
}
