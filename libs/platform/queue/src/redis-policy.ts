import type { Queue } from 'bullmq';

/**
 * BullMQ keeps jobs only in Redis: without AOF persistence a restart loses them, and with an
 * eviction policy Redis may delete them under memory pressure (DESIGN.md: `appendonly yes`,
 * `maxmemory-policy noeviction`). Returns one sentence per problem; empty when all is well.
 */
export async function redisPolicyProblems(queue: Queue, timeoutMs = 5000): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      (async () => {
        const client = (await queue.client) as unknown as { config(op: 'GET', key: string): Promise<string[]> };
        const [, appendonly] = await client.config('GET', 'appendonly');
        const [, policy] = await client.config('GET', 'maxmemory-policy');
        const problems: string[] = [];
        if (appendonly !== 'yes') problems.push('Redis runs with appendonly "no": a restart loses queued jobs (set appendonly yes)');
        if (policy !== 'noeviction') problems.push(`Redis maxmemory-policy is "${policy}": it may evict jobs (set noeviction)`);
        return problems;
      })(),
      new Promise<string[]>((resolve) => {
        timer = setTimeout(() => resolve(['Redis did not answer within 5 s; its persistence settings are unverified']), timeoutMs);
      }),
    ]);
  } catch (err) {
    return [`Could not read the Redis configuration (${(err as Error).message}); check appendonly yes and maxmemory-policy noeviction by hand`];
  } finally {
    clearTimeout(timer);
  }
}
