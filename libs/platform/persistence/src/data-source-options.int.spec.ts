import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, OLTP_SESSION_OPTIONS } from './data-source-options';

/** A statement whose estimated cost crosses jit_above_cost only because a plan type is off (as PLAN_BY_INDEX does). */
const FORCED_PLAN = `SET LOCAL enable_sort = off`;
const QUERY = `EXPLAIN (ANALYZE, FORMAT JSON) SELECT relname FROM pg_class ORDER BY reltuples`;

const planHasJit = (rows: { 'QUERY PLAN': unknown }[]) => JSON.stringify(rows[0]['QUERY PLAN']).includes('"JIT"');

describe('hub connections (real PostgreSQL)', () => {
  it('never JIT-compile, even when a forced plan inflates the estimated cost', async () => {
    const ds = await new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 1)).initialize();
    try {
      expect(await ds.query('SHOW jit')).toEqual([{ jit: 'off' }]);
      const plan = await ds.transaction(async (m) => {
        await m.query(FORCED_PLAN);
        return m.query(QUERY);
      });
      expect(planHasJit(plan)).toBe(false);
    } finally {
      await ds.destroy();
    }
  });

  it('the same statement on a default connection is JIT-compiled where the server offers JIT (what the setting prevents)', async () => {
    const client = new Client({ connectionString: process.env.DATABASE_URL });
    await client.connect();
    try {
      const [{ available }] = (await client.query('SELECT pg_jit_available() AS available')).rows;
      const [{ jit }] = (await client.query('SHOW jit')).rows;
      if (!available || jit !== 'on') return; // nothing to prevent on this server
      await client.query('BEGIN');
      await client.query(FORCED_PLAN);
      expect(planHasJit((await client.query(QUERY)).rows)).toBe(true);
      await client.query('ROLLBACK');
    } finally {
      await client.end();
    }
  });

  it('the options string is what node-postgres sends as the startup options', () => {
    expect(OLTP_SESSION_OPTIONS).toBe('-c jit=off');
  });
});
