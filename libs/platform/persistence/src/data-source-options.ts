import type { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export const MIGRATIONS_TABLE = 'hub_migrations';

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
    extra: { connectionTimeoutMillis: 3000, statement_timeout: 30_000 },
  };
}
