import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export const MIGRATIONS_TABLE = 'hub_migrations';

/**
 * Session settings sent at connect time by every hub connection. JIT off: the hub runs short
 * OLTP statements, and Postgres decides to JIT-compile from the plan's estimated cost, which
 * explodes when statistics are stale (a table filled faster than it is analyzed) or when a
 * statement turns a plan type off to force an index walk (`enable_sort = off` adds 1e10 to the
 * cost): the flush's claim then spent ~420 ms compiling a query that runs in 2 ms.
 */
export const OLTP_SESSION_OPTIONS = '-c jit=off';

export function dataSourceOptions(url: string, poolSize = 10): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: MIGRATIONS_TABLE,
    // The schema belongs to migrations, never to entity metadata.
    synchronize: false,
    migrationsRun: false,
    poolSize,
    // Fail fast when Postgres is down so inbound routes can answer 503 within Segment's 5 s.
    extra: { connectionTimeoutMillis: 3000, statement_timeout: 30_000, options: OLTP_SESSION_OPTIONS },
  };
}
