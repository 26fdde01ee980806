import type Redis from 'ioredis';
import { closeProbeClient, probeRedisClient, redisEndpoint } from '../redis/redis-client';
import { withTimeout } from './timeout';

/** One Redis connection kept by the readiness check and reopened when it is lost. */
export class RedisPing {
  private readonly client: Redis;
  private readonly endpoint: string;
  private connecting?: Promise<void>;
  private lastError?: Error;

  constructor(url: string, private readonly timeoutMs: number) {
    this.client = probeRedisClient(url, timeoutMs);
    this.endpoint = redisEndpoint(url);
    // Without a listener ioredis prints every failed attempt as an unhandled error.
    this.client.on('error', (err: Error) => {
      this.lastError = err;
    });
  }

  /** Resolves when Redis answered PONG; rejects with a message naming what failed. */
  async ping(): Promise<void> {
    const work = (async () => {
      if (this.client.status !== 'ready') {
        this.connecting ??= this.connect().finally(() => {
          this.connecting = undefined;
        });
        await this.connecting;
      }
      const answer = await this.client.ping();
      if (answer !== 'PONG') throw new Error(`unexpected answer to PING: ${answer}`);
    })();
    try {
      await withTimeout(work, this.timeoutMs, `Redis at ${this.endpoint} did not answer within ${this.timeoutMs} ms`);
    } catch (err) {
      const cause = this.lastError && (err as Error).message === 'Connection is closed.' ? this.lastError : (err as Error);
      throw new Error(cause.message.includes(this.endpoint) ? cause.message : `Redis at ${this.endpoint}: ${cause.message}`);
    }
  }

  close(): void {
    closeProbeClient(this.client);
  }

  private async connect(): Promise<void> {
    this.lastError = undefined;
    await this.client.connect();
  }
}
