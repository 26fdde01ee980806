import { Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { OLTP_SESSION_OPTIONS } from '@hub/persistence';

export const INGEST_POOL = Symbol('INGEST_POOL');

/**
 * Timeouts of the ingestion pool. Segment gives up after 5 s, and an answer must never be a 2xx
 * that was not committed: a key lookup plus the insert stay within about 4 s even when
 * Postgres stalls, and then the answer is 503 (Segment retries).
 */
export const INGEST_POOL_TIMEOUTS = Object.freeze({
  /** Waiting for a free or new connection. */
  connectionTimeoutMillis: 1500,
  /** Server-side cap per statement. */
  statementTimeoutMs: 2000,
  /** Client-side cap per query: covers a network that stopped answering. */
  queryTimeoutMs: 2500,
});

export interface IngestPoolOptions {
  url: string;
  max: number;
}

/**
 * Its own small pg pool (no TypeORM on the hot path), so admin API traffic cannot starve ingest
 * of connections and its timeouts can be short without touching the rest of the app.
 */
export function createIngestPool(options: IngestPoolOptions): Pool {
  const pool = new Pool({
    connectionString: options.url,
    max: options.max,
    connectionTimeoutMillis: INGEST_POOL_TIMEOUTS.connectionTimeoutMillis,
    statement_timeout: INGEST_POOL_TIMEOUTS.statementTimeoutMs,
    query_timeout: INGEST_POOL_TIMEOUTS.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'hub-ingest',
    options: OLTP_SESSION_OPTIONS,
  });
  const logger = new Logger('IngestPool');
  // Inbox rows are half a megabyte of jsonb for a full Tracking API batch: lz4 compresses them
  // for TOAST about 3x faster than the default pglz, for the edge's insert and the drain's read
  // alike (the column keeps no fixed method, so each value records its own). Queued before the
  // pool hands the connection out; where Postgres lacks lz4 the SET fails and pglz stays.
  pool.on('connect', (client) => {
    client.query(`SET default_toast_compression = 'lz4'`).catch(() => undefined);
  });
  // An idle connection that dies (Postgres restarted) must not crash the process; the pool
  // drops it and the next request opens a new one.
  pool.on('error', (err) => logger.warn({ msg: 'idle ingest connection failed', err: err.message }));
  return pool;
}
