import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { pendingMigrations } from '@hub/persistence';
import { HEALTH_MODULE_OPTIONS, type HealthModuleOptions } from './health.module-definition';
import { RedisPing } from './redis-ping';
import { withTimeout } from './timeout';

export type CheckName = 'database' | 'migrations' | 'redis';
export type CheckResult = { status: 'up' } | { status: 'down'; message: string };

export interface ReadinessReport {
  status: 'ok' | 'down';
  checks: Partial<Record<CheckName, CheckResult>>;
}

export const DEFAULT_CHECK_TIMEOUT_MS = 2000;

/** Readiness: can this replica do its work right now (database, schema, Redis)? */
@Injectable()
export class HealthService implements OnModuleDestroy {
  private readonly timeoutMs: number;
  private readonly redis?: RedisPing;

  constructor(
    @Inject(HEALTH_MODULE_OPTIONS) options: HealthModuleOptions,
    @Inject(HUB_CONFIG) config: HubEnv,
    private readonly dataSource: DataSource,
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
    if (options.redis) this.redis = new RedisPing(config.REDIS_URL, this.timeoutMs);
  }

  /** All checks run at once, each bounded by the timeout, so this settles within it. */
  async readiness(): Promise<ReadinessReport> {
    const [database, migrations, redis] = await Promise.all([
      this.check(() => this.checkDatabase(), 'PostgreSQL did not answer'),
      this.check(() => this.checkMigrations(), 'The migration table could not be read'),
      this.redis ? this.check(() => (this.redis as RedisPing).ping(), 'Redis did not answer') : undefined,
    ]);
    const checks: ReadinessReport['checks'] = {
      database,
      // When the database is down, "migrations" cannot be known: say so rather than repeat its error.
      migrations:
        database.status === 'down' && migrations.status === 'down'
          ? { status: 'down', message: 'Not checked: the database is unavailable' }
          : migrations,
      ...(redis ? { redis } : {}),
    };
    const ok = Object.values(checks).every((c) => c.status === 'up');
    return { status: ok ? 'ok' : 'down', checks };
  }

  onModuleDestroy(): void {
    this.redis?.close();
  }

  private async checkDatabase(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('The database connection is not initialized');
    await this.dataSource.query('SELECT 1');
  }

  private async checkMigrations(): Promise<void> {
    if (!this.dataSource.isInitialized) throw new Error('The database connection is not initialized');
    let pending: string[];
    try {
      pending = await pendingMigrations(this.dataSource);
    } catch (err) {
      // 42P01: the migrations table does not exist yet, i.e. nothing was ever migrated.
      if ((err as { code?: string }).code === '42P01') throw new Error('No migration has been applied: run npm run migrate');
      throw err;
    }
    if (pending.length) {
      throw new Error(`${pending.length} migration(s) not applied (${pending.join(', ')}): run npm run migrate`);
    }
  }

  private async check(run: () => Promise<void>, what: string): Promise<CheckResult> {
    try {
      await withTimeout(run(), this.timeoutMs, `${what} within ${this.timeoutMs} ms`);
      return { status: 'up' };
    } catch (err) {
      return { status: 'down', message: (err as Error).message || what };
    }
  }
}
