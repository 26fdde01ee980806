import type { RedisOptions } from 'ioredis';

/**
 * ioredis options from REDIS_URL. Options (not a shared client) let BullMQ open and close its
 * own connections: workers need a dedicated blocking connection anyway, and a connection
 * BullMQ did not create is one it will not close on shutdown.
 */
export function redisConnectionOptions(url: string): RedisOptions {
  const parsed = new URL(url);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  if (!Number.isInteger(db) || db < 0) throw new Error('REDIS_URL database must be a number, e.g. redis://host:6379/0');
  return {
    host: parsed.hostname || '127.0.0.1',
    port: parsed.port ? Number(parsed.port) : 6379,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    db,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}
