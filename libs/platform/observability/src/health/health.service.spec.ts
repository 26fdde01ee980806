import type { DataSource } from 'typeorm';
import type { HubEnv } from '@hub/config';
import { HealthService } from './health.service';
import { withTimeout } from './timeout';

const config = { REDIS_URL: 'redis://127.0.0.1:6379' } as HubEnv;

/** Stands in for a database that accepted the connection and then stopped answering. */
function dataSourceThat(query: (sql: string) => Promise<unknown>, migrations: { name: string }[] = []): DataSource {
  return { isInitialized: true, query, options: {}, migrations } as unknown as DataSource;
}

describe('withTimeout', () => {
  it('rejects with the message once the time is up', async () => {
    await expect(withTimeout(new Promise(() => undefined), 20, 'too slow')).rejects.toThrow('too slow');
  });

  it('passes a timely result through', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'too slow')).resolves.toBe(7);
  });
});

describe('HealthService.readiness (no Redis)', () => {
  it('answers within its timeout when the database hangs, and says which check failed', async () => {
    const health = new HealthService({ redis: false, timeoutMs: 100 }, config, dataSourceThat(() => new Promise(() => undefined)));
    const started = Date.now();
    const report = await health.readiness();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(report).toEqual({
      status: 'down',
      checks: {
        database: { status: 'down', message: 'PostgreSQL did not answer within 100 ms' },
        migrations: { status: 'down', message: 'Not checked: the database is unavailable' },
      },
    });
  });

  it('reports pending migrations by name', async () => {
    const health = new HealthService(
      { redis: false },
      config,
      dataSourceThat(async (sql) => (sql === 'SELECT 1' ? [{ '?column?': 1 }] : [{ name: 'Initial1' }]), [{ name: 'Initial1' }, { name: 'Next2' }]),
    );
    const report = await health.readiness();
    expect(report.status).toBe('down');
    expect(report.checks.database).toEqual({ status: 'up' });
    expect(report.checks.migrations).toEqual({ status: 'down', message: expect.stringContaining('Next2') });
    expect(report.checks.redis).toBeUndefined();
  });
});
