import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { MIGRATIONS } from './migrations';
import { pendingMigrations, runMigrations } from './migrator';

/** A fresh database per test, beside the run's own database. */
async function freshDatabaseUrl(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(process.env.DATABASE_URL as string);
  const name = `${base.pathname.slice(1)}_mig_${Math.random().toString(36).slice(2, 8)}`;
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  const drop = async () => {
    const admin = new Client({ connectionString: new URL('/postgres', base).toString() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  };
  return { url: url.toString(), drop };
}

describe('runMigrations (real PostgreSQL)', () => {
  it('creates the database, applies every migration once, and a re-run does nothing', async () => {
    const { url, drop } = await freshDatabaseUrl();
    try {
      expect(await runMigrations(url)).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await runMigrations(url)).toEqual([]);
      const ds = await new DataSource(dataSourceOptions(url, 1)).initialize();
      expect(await pendingMigrations(ds)).toEqual([]);
      const tables = (await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1`,
      )) as { table_name: string }[];
      expect(tables.map((t) => t.table_name)).toEqual(
        expect.arrayContaining(['admin_users', 'workspaces', 'installations', 'installation_secrets', 'dead_letters']),
      );
      await ds.destroy();
    } finally {
      await drop();
    }
  });

  it('is safe from two processes at once: one applies, the other finds nothing to do', async () => {
    const { url, drop } = await freshDatabaseUrl();
    try {
      await runMigrations(url); // database exists; now race a rollback-free re-apply on an empty schema
      const admin = new Client({ connectionString: url });
      await admin.connect();
      await admin.query('DROP SCHEMA public CASCADE; CREATE SCHEMA public');
      await admin.end();
      const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
      const applied = results.flat();
      expect(applied).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await drop();
    }
  });

  it('creates a missing database from three processes at once: all succeed, one applies', async () => {
    const { url, drop } = await freshDatabaseUrl();
    try {
      // The CREATE DATABASE statements race too: the losers see 23505 or 42P04, not a failure.
      const results = await Promise.all([runMigrations(url), runMigrations(url), runMigrations(url)]);
      expect(results.flat()).toEqual(MIGRATIONS.map((m) => m.name));
    } finally {
      await drop();
    }
  });
});
