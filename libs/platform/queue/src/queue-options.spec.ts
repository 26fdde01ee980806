import { connectorQueueName, jobSchedulerId, parseJobName } from './connector-jobs';
import { bullRootOptions, defaultJobOptions } from './queue-options';
import { redisConnectionOptions } from './redis-connection';

describe('queue scheme and options', () => {
  it('names one queue per connector without ":" (BullMQ forbids it)', () => {
    expect(connectorQueueName('segment-source')).toBe('connector-segment-source');
    expect(() => connectorQueueName('bad:id')).toThrow(/kebab-case/);
  });

  it('parses job names and refuses anything else', () => {
    expect(parseJobName('action:sendTrack')).toEqual({ kind: 'action', key: 'sendTrack' });
    expect(parseJobName('job:syncUsers')).toEqual({ kind: 'job', key: 'syncUsers' });
    expect(parseJobName('other:x')).toBeNull();
    expect(parseJobName('job:')).toBeNull();
    expect(jobSchedulerId('inst', 'sync')).toBe('inst:sync');
  });

  it('sets attempts, exponential backoff and retention from config', () => {
    expect(defaultJobOptions({ HUB_JOBS_KEEP_COMPLETED: 10, HUB_JOBS_KEEP_FAILED: 20 })).toEqual({
      attempts: 8,
      backoff: { type: 'exponential', delay: 3000, jitter: 0.2 },
      removeOnComplete: { count: 10 },
      removeOnFail: { count: 20 },
    });
    expect(defaultJobOptions({ HUB_JOBS_KEEP_COMPLETED: 1, HUB_JOBS_KEEP_FAILED: 1 }, { attempts: 3, backoffDelayMs: 50 })).toMatchObject({
      attempts: 3,
      backoff: { delay: 50 },
    });
  });

  it('uses HUB_REDIS_PREFIX as the prefix and REDIS_URL as the connection', () => {
    const options = bullRootOptions({
      REDIS_URL: 'rediss://user:p%40ss@redis.example:6380/2',
      HUB_REDIS_PREFIX: 'hubx',
      HUB_JOBS_KEEP_COMPLETED: 1,
      HUB_JOBS_KEEP_FAILED: 1,
    } as never);
    expect(options.prefix).toBe('hubx');
    expect(options.connection).toEqual({ host: 'redis.example', port: 6380, username: 'user', password: 'p@ss', db: 2, tls: {} });
    expect(redisConnectionOptions('redis://127.0.0.1:6379')).toMatchObject({ host: '127.0.0.1', port: 6379, db: 0, tls: undefined });
  });
});
