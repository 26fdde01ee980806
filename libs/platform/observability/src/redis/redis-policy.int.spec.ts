import { type LoggerService, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
import { HubConfigModule, type HubEnv, loadConfig } from '@hub/config';
import { checkRedisPolicy, RedisPolicyError } from './redis-policy';
import { RedisPolicyModule } from './redis-policy.module';

const redisUrl = process.env.REDIS_URL as string;
const prefix = process.env.HUB_REDIS_PREFIX as string;

/** An ACL user of the local Redis with some commands denied, as managed Redis services do. */
function restrictedUrl(user: string, password: string): string {
  const url = new URL(redisUrl);
  url.username = user;
  url.password = password;
  return url.toString();
}

describe('checkRedisPolicy (real Redis)', () => {
  const admin = new Redis(redisUrl);
  const noConfigUser = `${prefix}_noconfig`;
  const noInfoUser = `${prefix}_noinfo`;
  const password = `pw-${prefix}`;
  let actual: { policy: string; appendonly: string };

  beforeAll(async () => {
    actual = {
      policy: ((await admin.config('GET', 'maxmemory-policy')) as string[])[1],
      appendonly: ((await admin.config('GET', 'appendonly')) as string[])[1],
    };
    await admin.call('ACL', 'SETUSER', noConfigUser, 'on', `>${password}`, '~*', '&*', '+@all', '-config');
    await admin.call('ACL', 'SETUSER', noInfoUser, 'on', `>${password}`, '~*', '&*', '+@all', '-config', '-info');
  });

  afterAll(async () => {
    await admin.call('ACL', 'DELUSER', noConfigUser, noInfoUser);
    await admin.quit();
  });

  it('reads the settings with CONFIG GET and lists appendonly no as a problem', async () => {
    const result = await checkRedisPolicy(redisUrl);
    expect(result).toMatchObject({ evictionPolicy: actual.policy, appendonly: actual.appendonly, source: 'config', warnings: [] });
    // The local Redis runs without AOF; production must not.
    expect(actual.appendonly).toBe('no');
    expect(result.problems).toEqual(expect.arrayContaining([expect.stringMatching(/appendonly is "no".*set appendonly yes/)]));
    expect(result.problems.some((p) => p.includes('maxmemory-policy'))).toBe(actual.policy !== 'noeviction');
  });

  it('falls back to INFO when CONFIG is denied', async () => {
    const result = await checkRedisPolicy(restrictedUrl(noConfigUser, password));
    expect(result).toMatchObject({ evictionPolicy: actual.policy, appendonly: actual.appendonly, source: 'info', warnings: [] });
    expect(result.problems).toEqual(expect.arrayContaining([expect.stringMatching(/appendonly/)]));
  });

  it('reports a warning, not a crash, when neither CONFIG nor INFO is allowed', async () => {
    const result = await checkRedisPolicy(restrictedUrl(noInfoUser, password));
    expect(result).toMatchObject({ evictionPolicy: 'unknown', appendonly: 'unknown', problems: [], source: 'none' });
    expect(result.warnings).toHaveLength(2);
  });

  it('reports a warning, quickly, when Redis cannot be reached; the password never appears', async () => {
    const started = Date.now();
    const result = await checkRedisPolicy('redis://user:secret-pw@127.0.0.1:1');
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result).toMatchObject({ evictionPolicy: 'unknown', appendonly: 'unknown', problems: [], source: 'none' });
    expect(result.warnings).toEqual([expect.stringContaining('127.0.0.1:1')]);
    expect(result.warnings[0]).not.toContain('secret-pw');
  });
});

@Module({})
class PolicyAppModule {}

describe('RedisPolicyModule at app start', () => {
  async function start(mode: HubEnv['HUB_REDIS_POLICY'], logger: LoggerService | false = false) {
    const config: HubEnv = { ...loadConfig(), HUB_REDIS_POLICY: mode };
    const app = await NestFactory.create(
      { module: PolicyAppModule, imports: [HubConfigModule.forRoot(config), RedisPolicyModule] },
      { logger, abortOnError: false },
    );
    return app;
  }

  it('refuse: the app does not start, and the error says what to set', async () => {
    const app = await start('refuse');
    try {
      const failure = await app.init().then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(failure).toBeInstanceOf(RedisPolicyError);
      expect((failure as Error).message).toMatch(/appendonly is "no".*"maxmemory-policy noeviction" and "appendonly yes"/);
    } finally {
      await app.close();
    }
  });

  it('warn: the app starts and a loud warning names the settings', async () => {
    const warnings: string[] = [];
    const capture: LoggerService = {
      log: () => undefined,
      error: () => undefined,
      warn: (message: unknown) => warnings.push(String(message)),
    };
    const app = await start('warn', capture);
    try {
      await app.init();
      expect(warnings).toEqual([expect.stringMatching(/appendonly yes.*HUB_REDIS_POLICY=refuse/s)]);
    } finally {
      await app.close();
    }
  });
});
