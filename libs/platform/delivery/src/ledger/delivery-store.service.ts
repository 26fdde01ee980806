import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { NewDelivery } from './delivery-row';

/** Rows per INSERT statement: one JSON parameter, expanded by Postgres. */
const INSERT_CHUNK = 2000;

export interface ClaimedDelivery {
  id: string;
  action: string;
  input: unknown;
  messageIds: string[];
  attempts: number;
  inputBytes: number;
  /** Arrival order; a lane continues its claim after the last one it holds. */
  seq: string;
}

/** One outcome to record, grouped by the lane. */
export interface SentRow {
  id: string;
  messageIds?: string[];
}

type Runner = Pick<EntityManager, 'query'>;

/**
 * The ledger's SQL. Set-based: one statement per chunk of rows, never one per delivery. Every
 * statement names the workspace (and installation), so a forged id touches nothing of another
 * tenant.
 */
@Injectable()
export class DeliveryStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts rows; rows whose `(installation, source_key)` exists are skipped. Returns inserted ids. */
  async insert(workspaceId: string, installationId: string, rows: NewDelivery[], runner: Runner = this.dataSource.manager): Promise<Set<string>> {
    const inserted = new Set<string>();
    for (let start = 0; start < rows.length; start += INSERT_CHUNK) {
      const chunk = rows.slice(start, start + INSERT_CHUNK).map((r) => ({
        id: r.id,
        action: r.action,
        status: r.status,
        input: r.input,
        input_bytes: r.inputBytes,
        last_error: r.lastError,
        message_ids: r.messageIds,
        source: r.source,
        subscription_id: r.subscriptionId,
        source_key: r.sourceKey,
      }));
      const result = (await runner.query(
        `INSERT INTO deliveries (id, workspace_id, installation_id, action, status, input, input_bytes, last_error, message_ids, source, subscription_id, source_key)
         SELECT r.id, $1, $2, r.action, r.status, r.input, r.input_bytes, r.last_error, r.message_ids, r.source, r.subscription_id, r.source_key
         FROM jsonb_to_recordset($3::jsonb) AS r(id uuid, action text, status text, input jsonb, input_bytes integer, last_error text,
              message_ids text[], source text, subscription_id uuid, source_key text)
         ON CONFLICT (installation_id, source_key) WHERE source_key IS NOT NULL DO NOTHING
         RETURNING id`,
        [workspaceId, installationId, JSON.stringify(chunk)],
      )) as { id: string }[];
      for (const row of result) inserted.add(row.id);
    }
    return inserted;
  }

  /**
   * Claims pending rows of an installation in arrival order, skipping rows another lane holds.
   * Called inside the lane's transaction: the row locks are the claim (a killed worker's
   * connection drops, its locks go, and the rows are claimable again at once).
   *
   * One statement locks a contiguous run of rows (ids and sizes only); the inputs of the prefix
   * that fits `maxBytes` are read next. Rows locked past the prefix stay pending and are free
   * again when the lane commits. `seq > afterSeq`: SKIP LOCKED skips other transactions' locks,
   * not our own, so a lane adding to its claim moves past the rows it already holds.
   */
  async claim(
    runner: Runner,
    workspaceId: string,
    installationId: string,
    limits: { maxRows: number; maxBytes: number; itemOverheadBytes: number },
    afterSeq = '0',
  ): Promise<ClaimedDelivery[]> {
    const locked = (await runner.query(
      `SELECT id, seq, input_bytes FROM deliveries
       WHERE installation_id = $1 AND workspace_id = $2 AND status IN ('queued', 'failed') AND seq > $4
       ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [installationId, workspaceId, limits.maxRows, afterSeq],
    )) as { id: string; seq: string; input_bytes: number }[];
    const ids: string[] = [];
    let bytes = 0;
    for (const row of locked) {
      const size = row.input_bytes + limits.itemOverheadBytes;
      if (ids.length > 0 && bytes + size > limits.maxBytes) break;
      ids.push(row.id);
      bytes += size;
    }
    if (ids.length === 0) return [];
    const rows = (await runner.query(
      `SELECT id, seq, action, input, message_ids, attempts, input_bytes FROM deliveries WHERE id = ANY($1::uuid[]) ORDER BY seq`,
      [ids],
    )) as { id: string; seq: string; action: string; input: unknown; message_ids: string[]; attempts: number; input_bytes: number }[];
    return rows.map((r) => ({
      id: r.id,
      seq: r.seq,
      action: r.action,
      input: r.input,
      messageIds: r.message_ids,
      attempts: r.attempts,
      inputBytes: r.input_bytes,
    }));
  }

  /** Sent: the input (personal data) is dropped, ids and outcome kept. */
  async markSent(runner: Runner, workspaceId: string, rows: SentRow[]): Promise<void> {
    if (rows.length === 0) return;
    await runner.query(
      `UPDATE deliveries d SET status = 'sent', attempts = d.attempts + 1, sent_at = now(), updated_at = now(), last_error = NULL, input = NULL,
         message_ids = COALESCE(u.message_ids, d.message_ids)
       FROM jsonb_to_recordset($2::jsonb) AS u(id uuid, message_ids text[])
       WHERE d.id = u.id AND d.workspace_id = $1`,
      [workspaceId, JSON.stringify(rows.map((r) => ({ id: r.id, message_ids: r.messageIds?.length ? r.messageIds : null })))],
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

  async hasPending(workspaceId: string, installationId: string): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM deliveries WHERE installation_id = $1 AND workspace_id = $2 AND status IN ('queued', 'failed') LIMIT 1`,
      [installationId, workspaceId],
    )) as unknown[];
    return rows.length > 0;
  }
}
