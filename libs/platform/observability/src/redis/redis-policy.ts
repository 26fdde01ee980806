import { closeProbeClient, probeRedisClient, redisEndpoint } from './redis-client';
import { withTimeout } from '../health/timeout';

export type RedisPolicyMode = 'warn' | 'refuse';

export interface RedisPolicyResult {
  /** `maxmemory-policy` (e.g. `noeviction`), or `unknown` when it could not be read. */
  evictionPolicy: string;
  /** `appendonly` (`yes`/`no`), or `unknown` when it could not be read. */
  appendonly: string;
  /** Settings that put queued jobs at risk. `refuse` mode refuses to start on any. */
  problems: string[];
  /** What could not be verified (CONFIG and INFO refused, Redis unreachable). Never fatal. */
  warnings: string[];
  /** Where the values came from. */
  source: 'config' | 'info' | 'none';
}

const REQUIRED = 'maxmemory-policy noeviction and appendonly yes';

/**
 * Reads the two Redis settings BullMQ's durability depends on (DESIGN.md): `CONFIG GET`, or
 * `INFO` where CONFIG is disabled (managed Redis). Never throws: what it cannot read becomes a
 * warning, so a Redis that is briefly down does not crash the worker here.
 */
export async function checkRedisPolicy(redisUrl: string, timeoutMs = 5000): Promise<RedisPolicyResult> {
  const endpoint = redisEndpoint(redisUrl);
  const client = probeRedisClient(redisUrl, Math.min(timeoutMs, 5000));
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    return await withTimeout(read(client), timeoutMs, `Redis at ${endpoint} did not answer within ${timeoutMs} ms`);
  } catch (err) {
    const reason = lastError?.message ?? (err as Error).message;
    return unverified(`Could not check the Redis persistence settings at ${endpoint} (${reason}); make sure Redis runs with ${REQUIRED}`);
  } finally {
    closeProbeClient(client);
  }
}

async function read(client: ReturnType<typeof probeRedisClient>): Promise<RedisPolicyResult> {
  await client.connect();
  let evictionPolicy: string | undefined;
  let appendonly: string | undefined;
  let source: RedisPolicyResult['source'] = 'config';
  try {
    evictionPolicy = configValue(await client.config('GET', 'maxmemory-policy'));
    appendonly = configValue(await client.config('GET', 'appendonly'));
  } catch {
    // CONFIG is disabled or renamed on managed Redis (or denied by an ACL): INFO tells the same.
    source = 'info';
    try {
      const info = parseInfo(await client.info());
      evictionPolicy = info.get('maxmemory_policy');
      const aof = info.get('aof_enabled');
      appendonly = aof === '1' ? 'yes' : aof === '0' ? 'no' : undefined;
    } catch {
      source = 'none';
    }
  }
  return evaluateRedisPolicy(evictionPolicy, appendonly, source);
}

function configValue(reply: unknown): string | undefined {
  return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
}

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** Problems and warnings for the values read (undefined: not readable). */
export function evaluateRedisPolicy(
  evictionPolicy: string | undefined,
  appendonly: string | undefined,
  source: RedisPolicyResult['source'],
): RedisPolicyResult {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (evictionPolicy === undefined) {
    warnings.push('Could not read the Redis maxmemory-policy (CONFIG and INFO unavailable); make sure it is noeviction');
  } else if (evictionPolicy !== 'noeviction') {
    problems.push(
      `maxmemory-policy is "${evictionPolicy}": Redis may evict queued jobs under memory pressure (set maxmemory-policy noeviction)`,
    );
  }
  if (appendonly === undefined) {
    warnings.push('Could not read the Redis appendonly setting (CONFIG and INFO unavailable); make sure it is yes');
  } else if (appendonly !== 'yes') {
    problems.push(`appendonly is "${appendonly}": a Redis restart loses queued jobs (set appendonly yes)`);
  }
  return {
    evictionPolicy: evictionPolicy ?? 'unknown',
    appendonly: appendonly ?? 'unknown',
    problems,
    warnings,
    source: evictionPolicy === undefined && appendonly === undefined ? 'none' : source,
  };
}

function unverified(warning: string): RedisPolicyResult {
  return { evictionPolicy: 'unknown', appendonly: 'unknown', problems: [], warnings: [warning], source: 'none' };
}

export class RedisPolicyError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'RedisPolicyError';
  }
}

/** Anything with a `warn(message)`: Nest's Logger, a pino logger, console. */
export interface WarnLogger {
  warn(message: string): unknown;
}

/**
 * `warn`: logs each problem loudly and carries on. `refuse`: throws a `RedisPolicyError` telling
 * what to set. Warnings (settings that could not be read) are logged in both modes, never fatal.
 */
export function enforceRedisPolicy(result: RedisPolicyResult, mode: RedisPolicyMode, logger: WarnLogger): void {
  for (const warning of result.warnings) logger.warn(warning);
  if (!result.problems.length) return;
  const summary =
    `Redis is not safe for the job queue: ${result.problems.join('; ')}. ` +
    `Run Redis with "maxmemory-policy noeviction" and "appendonly yes" (redis.conf, or redis-server --maxmemory-policy noeviction --appendonly yes).`;
  if (mode === 'refuse') {
    throw new RedisPolicyError(`${summary} Refusing to start because HUB_REDIS_POLICY=refuse.`, result.problems);
  }
  logger.warn(
    `!!! ${summary} Jobs may be lost. Continuing because HUB_REDIS_POLICY=warn; set HUB_REDIS_POLICY=refuse to make this fatal.`,
  );
}
