import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Injectable } from '@nestjs/common';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { DataSource, type EntityManager } from 'typeorm';
import type { NewDelivery } from './delivery-row';

/** Rows per INSERT statement (parallel array parameters, unnested by Postgres). */
const INSERT_CHUNK = 2000;
/** From this many rows without idempotency keys, `insert` streams them with one COPY. */
const COPY_MIN_ROWS = 200;
/** COPY data is written in pieces of about this many characters. */
const COPY_PIECE_CHARS = 256 * 1024;

export interface ClaimedDelivery {
  id: string;
  action: string;
  input: unknown;
  messageIds: string[];
  attempts: number;
  inputBytes: number;
  /** The connector version whose schema accepted the input at record time (null: none). */
  checkedVersion: string | null;
  /** Arrival order; a lane continues its claim after the last one it holds. */
  seq: string;
}

/** One outcome to record, grouped by the lane. */
export interface SentRow {
  id: string;
  /** Only when the connector reported other ids than the row holds (rare): they replace them. */
  messageIds?: string[];
}

type Runner = Pick<EntityManager, 'query'>;

/**
 * Planner settings for the statements that read pending rows in `seq` order (the claim, the
 * relay): an ordered index scan of `deliveries_pending_idx` that stops at its LIMIT, whatever the
 * statistics say. A freshly filled table looks empty to the planner until it is analyzed, and it
 * then picks a bitmap scan of every pending row and a sort (the whole backlog, per claim).
 * JIT off too: `enable_sort = off` adds 1e10 to the plan's estimated cost, far above
 * `jit_above_cost`, and the claim was JIT-compiled for ~420 ms each time. Hub connections already
 * turn JIT off at connect (`OLTP_SESSION_OPTIONS`); this holds behind a pooler that drops startup
 * options.
 */
export const PLAN_BY_INDEX = 'SET LOCAL enable_bitmapscan = off; SET LOCAL enable_sort = off; SET LOCAL jit = off';

/** A Postgres array literal of text elements (`{"a","b"}`). */
function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

/** A field of COPY's text format: backslash, tab, newline and carriage return escaped; null is \N. */
function copyField(value: string | number | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  return /[\\\t\n\r]/.test(text) ? text.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')) : text;
}

/**
 * The ledger's SQL. Set-based: one statement per chunk of rows (or one COPY per call), never one
 * per delivery. Every statement names the workspace (and installation), so a forged id touches
 * nothing of another tenant.
 */
@Injectable()
export class DeliveryStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Inserts rows; rows whose `(installation, source_key)` exists are skipped. Returns inserted ids.
   * Many rows without idempotency keys (nothing can conflict) and no caller transaction: one
   * COPY, streamed (the programmatic entry's bulk path). Otherwise multi-row INSERTs of
   * parallel arrays with ON CONFLICT DO NOTHING.
   */
  async insert(workspaceId: string, installationId: string, rows: NewDelivery[], runner?: Runner): Promise<Set<string>> {
    if (!runner && rows.length >= COPY_MIN_ROWS && rows.every((r) => r.sourceKey === null)) {
      await this.copy(workspaceId, installationId, rows);
      return new Set(rows.map((r) => r.id));
    }
    const run = runner ?? this.dataSource.manager;
    const inserted = new Set<string>();
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK);
      const result = (await run.query(
        `INSERT INTO deliveries (id, workspace_id, installation_id, action, status, input, input_bytes, last_error, message_ids, source, subscription_id, source_key, checked_version)
         SELECT r.id, $1, $2, r.action, r.status, r.input, r.input_bytes, r.last_error, r.message_ids::text[], r.source, r.subscription_id, r.source_key, r.checked_version
         FROM unnest($3::uuid[], $4::text[], $5::text[], $6::json[], $7::integer[], $8::text[], $9::text[], $10::text[], $11::uuid[], $12::text[], $13::text[])
              AS r(id, action, status, input, input_bytes, last_error, message_ids, source, subscription_id, source_key, checked_version)
         ON CONFLICT (installation_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [
          workspaceId,
          installationId,
          chunk.map((r) => r.id),
          chunk.map((r) => r.action),
          chunk.map((r) => r.status),
          chunk.map((r) => r.inputJson),
          chunk.map((r) => r.inputBytes),
          chunk.map((r) => r.lastError),
          chunk.map((r) => textArrayLiteral(r.messageIds)),
          chunk.map((r) => r.source),
          chunk.map((r) => r.subscriptionId),
          chunk.map((r) => r.sourceKey),
          chunk.map((r) => r.checkedVersion),
        ],
      )) as { id: string }[];
      for (const row of result) inserted.add(row.id);
    }
    return inserted;
  }

  /** One COPY for all rows (autocommit: durable when it returns). */
  private async copy(workspaceId: string, installationId: string, rows: NewDelivery[]): Promise<void> {
    const qr = this.dataSource.createQueryRunner();
    const client = (await qr.connect()) as PoolClient;
    try {
      const sink = client.query(
        copyFrom(
          `COPY deliveries (id, workspace_id, installation_id, action, status, input, input_bytes, last_error, message_ids, source, subscription_id, checked_version) FROM STDIN`,
        ),
      );
      function* pieces(): Generator<string> {
        let piece = '';
        for (const r of rows) {
          piece += `${r.id}\t${workspaceId}\t${installationId}\t${copyField(r.action)}\t${r.status}\t${copyField(r.inputJson)}\t${r.inputBytes}\t${copyField(r.lastError)}\t${copyField(
            textArrayLiteral(r.messageIds),
          )}\t${r.source}\t${r.subscriptionId ?? '\\N'}\t${copyField(r.checkedVersion)}\n`;
          if (piece.length >= COPY_PIECE_CHARS) {
            yield piece;
            piece = '';
          }
        }
        if (piece) yield piece;
      }
      await pipeline(Readable.from(pieces(), { objectMode: false }), sink);
    } finally {
      await qr.release();
    }
  }

  /**
   * Claims pending rows of an installation in arrival order, skipping rows another lane holds,
   * in one statement. Called inside the lane's transaction: the row locks are the claim (a
   * killed worker's connection drops, its locks go, and the rows are claimable again at once).
   *
   * It locks a contiguous run of up to `maxRows` rows and returns the prefix that fits
   * `maxBytes` (each row's input plus `itemOverheadBytes`; at least one row unless `atLeastOne`
   * is false), and whether
   * the budget cut it (`full`: more rows were locked than fit, or `maxRows` were). Rows locked
   * past the prefix stay pending and are free again when the lane commits. `seq > afterSeq`:
   * SKIP LOCKED skips other transactions' locks, not our own, so a lane adding to its claim
   * moves past the rows it already holds.
   */
  async claim(
    runner: Runner,
    workspaceId: string,
    installationId: string,
    limits: { maxRows: number; maxBytes: number; itemOverheadBytes: number },
    afterSeq = '0',
    atLeastOne = true,
  ): Promise<{ rows: ClaimedDelivery[]; full: boolean }> {
    const rows = (await runner.query(
      `WITH locked AS (
         SELECT id, seq, action, input, message_ids, attempts, input_bytes, checked_version FROM deliveries
         WHERE installation_id = $1 AND workspace_id = $2 AND status IN ('queued', 'failed') AND seq > $4
         ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
       ), sized AS (
         SELECT *, sum(input_bytes + $6) OVER (ORDER BY seq) AS running, row_number() OVER (ORDER BY seq) AS n, count(*) OVER () AS locked_rows FROM locked
       )
       SELECT id, seq, action, input, message_ids, attempts, input_bytes, checked_version, locked_rows::int FROM sized
       WHERE running <= $5 OR (n = 1 AND $7) ORDER BY seq`,
      [installationId, workspaceId, limits.maxRows, afterSeq, limits.maxBytes, limits.itemOverheadBytes, atLeastOne],
    )) as {
      id: string;
      seq: string;
      action: string;
      input: unknown;
      message_ids: string[];
      attempts: number;
      input_bytes: number;
      checked_version: string | null;
      locked_rows: number;
    }[];
    // Full: the byte budget or the row limit cut the claim (more rows were there).
    const full = rows.length > 0 && (rows[0].locked_rows > rows.length || rows.length >= limits.maxRows);
    return { rows: rows.map((r) => ({
      id: r.id,
      seq: r.seq,
      action: r.action,
      input: r.input,
      messageIds: r.message_ids,
      attempts: r.attempts,
      inputBytes: r.input_bytes,
      checkedVersion: r.checked_version,
    })), full };
  }

  /**
   * Sent: the input (personal data) is dropped, ids and outcome kept. One statement by primary
   * key (`id = ANY`: an index probe per row; a join with the id list lets the planner hash the
   * whole workspace's rows instead); a second one only for rows whose message ids changed.
   */
  async markSent(runner: Runner, workspaceId: string, rows: SentRow[]): Promise<void> {
    if (rows.length === 0) return;
    await runner.query(
      `UPDATE deliveries SET status = 'sent', attempts = attempts + 1, sent_at = now(), updated_at = now(), last_error = NULL, input = NULL
       WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, rows.map((r) => r.id)],
    );
    const changed = rows.filter((r) => r.messageIds?.length);
    if (changed.length === 0) return;
    await runner.query(
      `UPDATE deliveries d SET message_ids = c.message_ids::text[]
       FROM unnest($2::uuid[], $3::text[]) AS c(id, message_ids)
       WHERE d.id = c.id AND d.workspace_id = $1 AND d.id = ANY($2::uuid[])`,
      [workspaceId, changed.map((r) => r.id), changed.map((r) => textArrayLiteral(r.messageIds ?? []))],
    );
  }

  /** `failed` (will be retried) or `dead` (dead-lettered), with the reason. */
  async markUnsent(runner: Runner, workspaceId: string, ids: string[], status: 'failed' | 'dead', lastError: string, countAttempt = true): Promise<void> {
    if (ids.length === 0) return;
    await runner.query(
      `UPDATE deliveries SET status = $3, attempts = attempts + $4, last_error = $5, updated_at = now()
       WHERE workspace_id = $1 AND id = ANY($2::uuid[])`,
      [workspaceId, ids, status, countAttempt ? 1 : 0, lastError.slice(0, 2000)],
    );
  }

  /** Dead rows back to `queued` for a replay. Only rows of that installation, still dead. */
  async requeue(workspaceId: string, installationId: string, ids: string[]): Promise<number> {
    const [, count] = (await this.dataSource.query(
      `UPDATE deliveries SET status = 'queued', updated_at = now()
       WHERE workspace_id = $1 AND installation_id = $2 AND id = ANY($3::uuid[]) AND status = 'dead' AND input IS NOT NULL`,
      [workspaceId, installationId, ids],
    )) as [unknown, number];
    return count;
  }
}
