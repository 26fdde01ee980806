import { enforceRedisPolicy, evaluateRedisPolicy, RedisPolicyError, type RedisPolicyResult } from './redis-policy';

function recorder() {
  const warnings: string[] = [];
  return { warnings, logger: { warn: (message: string) => warnings.push(message) } };
}

const bad: RedisPolicyResult = evaluateRedisPolicy('allkeys-lru', 'no', 'config');
const good: RedisPolicyResult = evaluateRedisPolicy('noeviction', 'yes', 'config');
const unknown: RedisPolicyResult = evaluateRedisPolicy(undefined, undefined, 'none');

describe('evaluateRedisPolicy', () => {
  it('lists each unsafe setting with what to set', () => {
    expect(bad.problems).toEqual([expect.stringMatching(/maxmemory-policy is "allkeys-lru".*set maxmemory-policy noeviction/), expect.stringMatching(/appendonly is "no".*set appendonly yes/)]);
    expect(good.problems).toEqual([]);
    expect(good.warnings).toEqual([]);
  });

  it('turns unreadable settings into warnings, not problems', () => {
    expect(unknown).toMatchObject({ evictionPolicy: 'unknown', appendonly: 'unknown', problems: [], source: 'none' });
    expect(unknown.warnings).toHaveLength(2);
  });
});

describe('enforceRedisPolicy', () => {
  it('warn mode: logs a loud warning naming the settings and carries on', () => {
    const { warnings, logger } = recorder();
    expect(() => enforceRedisPolicy(bad, 'warn', logger)).not.toThrow();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/maxmemory-policy noeviction/);
    expect(warnings[0]).toMatch(/appendonly yes/);
    expect(warnings[0]).toMatch(/HUB_REDIS_POLICY=refuse/);
  });

  it('refuse mode: throws a RedisPolicyError telling what to set', () => {
    const { warnings, logger } = recorder();
    let thrown: unknown;
    try {
      enforceRedisPolicy(bad, 'refuse', logger);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RedisPolicyError);
    expect((thrown as RedisPolicyError).message).toMatch(/"maxmemory-policy noeviction" and "appendonly yes"/);
    expect((thrown as RedisPolicyError).message).toMatch(/HUB_REDIS_POLICY=refuse/);
    expect((thrown as RedisPolicyError).problems).toEqual(bad.problems);
    expect(warnings).toEqual([]);
  });

  it('is silent when Redis is configured right, in both modes', () => {
    const { warnings, logger } = recorder();
    enforceRedisPolicy(good, 'warn', logger);
    enforceRedisPolicy(good, 'refuse', logger);
    expect(warnings).toEqual([]);
  });

  it('never refuses over settings it could not read, but says so', () => {
    const { warnings, logger } = recorder();
    expect(() => enforceRedisPolicy(unknown, 'refuse', logger)).not.toThrow();
    expect(warnings).toEqual(unknown.warnings);
  });
});
