import { Inject, Injectable } from '@nestjs/common';
import { BatchError } from '@hub/event-model';
import type { EventSink } from '@hub/host';
import type { EmitOptions, EmitResult } from '@hub/sdk';
import type { Pool } from 'pg';
import { DrainEnqueuer } from './drain-enqueuer.service';
import { InboundLimitError, InboxUnavailableError } from './ingest.exception';
import { INGEST_POOL } from './ingest-pool';
import { normalizeEvents, reasonOf, type NormalizedEvents, type RejectedRow } from './normalize-events';
import { toPostgresJson } from './postgres-json';

export interface EmitTarget {
  workspaceId: string;
  installationId: string;
}

export interface WriteOptions {
  /** When the request arrived (every event's `receivedAt`); defaults to now. */
  receivedAt?: Date;
  /** Top-level fields never stored with a rejected event (a body-level write key). */
  omitFromPayload?: readonly string[];
}

/**
 * One statement per request: the accepted events as one jsonb array in one `inbox` row and the
 * rejected ones in `rejected_events`, committed together (a statement is atomic), so the sender
 * is answered only for what is durably stored, and nothing is written per event.
 */
const INSERT_SQL = `
WITH inbox_row AS (
  INSERT INTO inbox (workspace_id, installation_id, received_at, event_count, events)
  SELECT $1, $2, $3, $4, $5::jsonb WHERE $4 > 0
  RETURNING id
), rejected_rows AS (
  INSERT INTO rejected_events (workspace_id, installation_id, received_at, message_id, batch_index, errors, bytes, payload)
  SELECT $1, $2, $3, r.message_id, r.batch_index, r.errors, r.bytes, r.payload
  FROM jsonb_to_recordset($6::jsonb) AS r(message_id text, batch_index integer, errors jsonb, bytes integer, payload jsonb)
  RETURNING 1
)
SELECT (SELECT id FROM inbox_row) AS inbox_id, (SELECT count(*) FROM rejected_rows)::int AS rejected`;

/** The rejected rows as a JSON array; payloads are already JSON text and are spliced in as is. */
function rejectedJson(rows: RejectedRow[]): string {
  const parts = rows.map(
    (r) =>
      `{"message_id":${JSON.stringify(r.messageId)},"batch_index":${r.index},"errors":${JSON.stringify(r.errors)},` +
      `"bytes":${r.bytes ?? 'null'},"payload":${r.payload ?? 'null'}}`,
  );
  return `[${parts.join(',')}]`;
}

/**
 * The ingestion pipeline's entry (TEAM.md contracts 1, 2, 6): normalize, commit to the inbox,
 * enqueue the drain. Inbound routes and `ctx.emit` of connector jobs both come through here.
 */
@Injectable()
export class InboxWriter implements EventSink {
  constructor(
    @Inject(INGEST_POOL) private readonly pool: Pool,
    private readonly drain: DrainEnqueuer,
  ) {}

  async emit(target: EmitTarget, events: unknown[], options: EmitOptions = {}, write: WriteOptions = {}): Promise<EmitResult> {
    if (!Array.isArray(events)) throw new TypeError('emit(events): events must be an array');
    const receivedAt = write.receivedAt ?? new Date();
    let normalized: NormalizedEvents;
    try {
      normalized = normalizeEvents(events, options, receivedAt, write.omitFromPayload);
    } catch (err) {
      if (err instanceof BatchError) {
        if (err.code === 'INVALID_BATCH') throw err;
        throw new InboundLimitError(err.message);
      }
      throw err;
    }
    await this.store(target, normalized, receivedAt);
    return {
      accepted: normalized.accepted.length,
      rejected: normalized.rejected.map((r) => ({ index: r.index, reason: reasonOf(r.errors) })),
    };
  }

  /** Commits, then enqueues the drain (never failing the caller for Redis). */
  async store(target: EmitTarget, normalized: NormalizedEvents, receivedAt: Date): Promise<void> {
    const { accepted, rejected } = normalized;
    if (accepted.length === 0 && rejected.length === 0) return;
    try {
      await this.pool.query(INSERT_SQL, [
        target.workspaceId,
        target.installationId,
        receivedAt.toISOString(),
        accepted.length,
        toPostgresJson(JSON.stringify(accepted)),
        toPostgresJson(rejectedJson(rejected)),
      ]);
    } catch (err) {
      throw new InboxUnavailableError(err);
    }
    if (accepted.length > 0) await this.drain.enqueue(target.workspaceId);
  }
}
