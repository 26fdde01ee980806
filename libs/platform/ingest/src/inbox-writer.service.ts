import { Inject, Injectable } from '@nestjs/common';
import { BatchError } from '@hub/event-model';
import type { EventSink } from '@hub/host';
import type { EmitOptions, EmitResult } from '@hub/sdk';
import type { Pool } from 'pg';
import { DrainEnqueuer } from './drain-enqueuer.service';
import { InboundLimitError, InboxUnavailableError } from './ingest.exception';
import { INGEST_POOL } from './ingest-pool';
import { normalizeEvents, reasonOf, type NormalizedEvents, type RejectedRow } from './normalize-events';
import { DEFAULT_GROUP_COMMIT, InboxCommitter, type InboxEntry } from './inbox-committer';
import { jsonbArrayParam, toPostgresJson } from './postgres-json';

export interface EmitTarget {
  workspaceId: string;
  installationId: string;
}

export interface WriteOptions {
  /** When the request arrived (every event's `receivedAt`); defaults to now. */
  receivedAt?: Date;
  /** Top-level fields never stored with a rejected event (a body-level write key). */
  omitFromPayload?: readonly string[];
  /** The request's deadline: once it fired, rows not yet sent to Postgres are never sent. */
  signal?: AbortSignal;
}

/** A rejected row as the JSON object `groupStatement` reads; the payload is already JSON text. */
function rejectedRowJson(r: RejectedRow): string {
  return toPostgresJson(
    `{"message_id":${JSON.stringify(r.messageId)},"batch_index":${r.index},"errors":${JSON.stringify(r.errors)},` +
      `"bytes":${r.bytes ?? 'null'},"payload":${r.payload ?? 'null'}}`,
  );
}

/**
 * The ingestion pipeline's entry (TEAM.md contracts 1, 2, 6): normalize, commit to the inbox,
 * enqueue the drain. Inbound routes and `ctx.emit` of connector jobs both come through here.
 */
@Injectable()
export class InboxWriter implements EventSink {
  private readonly committer: InboxCommitter;

  constructor(
    @Inject(INGEST_POOL) pool: Pool,
    private readonly drain: DrainEnqueuer,
  ) {
    this.committer = new InboxCommitter(pool, DEFAULT_GROUP_COMMIT);
  }

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
    await this.store(target, normalized, receivedAt, write.signal);
    return {
      accepted: normalized.accepted.length,
      rejected: normalized.rejected.map((r) => ({ index: r.index, reason: reasonOf(r.errors) })),
    };
  }

  /**
   * Commits (sharing a statement with concurrent requests, `InboxCommitter`), then enqueues the
   * drain (never failing the caller for Redis).
   */
  async store(target: EmitTarget, normalized: NormalizedEvents, receivedAt: Date, signal?: AbortSignal): Promise<void> {
    const { accepted, rejected } = normalized;
    if (accepted.length === 0 && rejected.length === 0) return;
    const entry: InboxEntry = {
      workspaceId: target.workspaceId,
      installationId: target.installationId,
      receivedAt: receivedAt.toISOString(),
      eventCount: accepted.length,
      events: accepted.length > 0 ? jsonbArrayParam(accepted) : null,
      rejected: rejected.map(rejectedRowJson),
    };
    try {
      await this.committer.commit(entry, signal);
    } catch (err) {
      throw new InboxUnavailableError(err);
    }
    if (accepted.length > 0) await this.drain.enqueue(target.workspaceId);
  }
}
