import Redis, { type RedisOptions } from 'ioredis';

/**
 * A short-lived-friendly client for probes: connects only when asked, never queues commands
 * while disconnected, gives up on a dead server within `connectTimeoutMs`, and does not
 * reconnect in the background (the next probe connects again).
 */
export function probeRedisClient(url: string, connectTimeoutMs = 2000): Redis {
  const options: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // The ready check runs INFO, which managed Redis may deny (and ioredis then prints a warning).
    enableReadyCheck: false,
    connectTimeout: connectTimeoutMs,
    retryStrategy: () => null,
  };
  return new Redis(url, options);
}

/** `host:port` of a Redis URL, for messages (the URL itself may carry a password). */
export function redisEndpoint(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname || '127.0.0.1'}:${parsed.port || '6379'}`;
  } catch {
    return '(invalid REDIS_URL)';
  }
}

/**
 * Closes a probe client. ioredis arms a 2 s timer on `disconnect()` that waits for a socket
 * `close` which, on a connection that already failed, has long happened: skip it then.
 */
export function closeProbeClient(client: Redis): void {
  if (client.status !== 'end') client.disconnect();
}
