import type { HubEnv } from '@hub/config';
import type { DefaultJobOptions, QueueOptions } from 'bullmq';
import { redisConnectionOptions } from './redis-connection';

export interface QueueModuleOptions {
  /** Attempts per job before it is dead-lettered (default 8). */
  attempts?: number;
  /** First exponential backoff delay; attempt n waits about delay * 2^(n-1) (default 3000 ms). */
  backoffDelayMs?: number;
}

export const DEFAULT_ATTEMPTS = 8;
export const DEFAULT_BACKOFF_DELAY_MS = 3000;

/**
 * Defaults for every job: 8 attempts with jittered exponential backoff (3 s, 6 s, ... about
 * 6 minutes in all, long enough to ride out a partner's short outage) and bounded retention,
 * so Redis does not grow with history that Postgres (job runs, dead letters) already keeps.
 */
export function defaultJobOptions(config: Pick<HubEnv, 'HUB_JOBS_KEEP_COMPLETED' | 'HUB_JOBS_KEEP_FAILED'>, options: QueueModuleOptions = {}): DefaultJobOptions {
  return {
    attempts: options.attempts ?? DEFAULT_ATTEMPTS,
    backoff: { type: 'exponential', delay: options.backoffDelayMs ?? DEFAULT_BACKOFF_DELAY_MS, jitter: 0.2 },
    removeOnComplete: { count: config.HUB_JOBS_KEEP_COMPLETED },
    removeOnFail: { count: config.HUB_JOBS_KEEP_FAILED },
  };
}

/** The shared BullMQ configuration (`BullModule.forRootAsync`), also used for our own queues and workers. */
export function bullRootOptions(config: HubEnv, options: QueueModuleOptions = {}): QueueOptions {
  return {
    connection: redisConnectionOptions(config.REDIS_URL),
    prefix: config.HUB_REDIS_PREFIX,
    defaultJobOptions: defaultJobOptions(config, options),
  };
}
