import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

// Arbitrary but fixed: every replica contends for the same advisory lock while migrating.
const MIGRATION_LOCK_KEY = 7_406_113_001;

/** Creates the database named in `url` when it does not exist (first run from source). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!name) return false;
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await probe.connect();
    return false;
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const admin = new Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } catch (err) {
    // Another replica created it first: 42P04 when it had committed before we asked, 23505
    // (pg_database's unique name index) when both CREATE DATABASE statements ran at once.
    const code = (err as { code?: string }).code;
    if (code === '42P04' || code === '23505') return false;
    throw err;
  } finally {
    await admin.end();
  }
}

/**
 * Applies pending migrations. Safe to run twice (TypeORM records what ran) and from two
 * processes at once: a session advisory lock serializes them, and the second finds nothing to do.
 * Each migration runs in its own transaction.
 */
export async function runMigrations(url: string): Promise<string[]> {
  await ensureDatabase(url);
  const dataSource = new DataSource({ ...dataSourceOptions(url, 2), migrationsTransactionMode: 'each' });
  await dataSource.initialize();
  const lock = dataSource.createQueryRunner();
  try {
    await lock.connect();
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((m) => m.name);
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/** Names of migrations not yet applied (readiness reports the database not ready while any). */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = new Set<string>(
    (
      (await dataSource.query(
        `SELECT name FROM ${dataSource.options.migrationsTableName ?? 'migrations'}`,
      )) as { name: string }[]
    ).map((r) => r.name),
  );
  return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
}
