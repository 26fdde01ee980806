import { Injectable } from '@nestjs/common';
import { type FieldError, parseSafeJson } from '@hub/event-model';
import { ApiError } from '@hub/http';
import { DataSource } from 'typeorm';
import { IngestErrorCode } from './ingest.exception';

export interface RejectedEventView {
  id: string;
  installationId: string;
  receivedAt: string;
  messageId: string | null;
  /** Position in the request's batch (0 for a single message). */
  batchIndex: number | null;
  errors: FieldError[];
  bytes: number | null;
  /** The event as sent, when it was small enough to keep (32 KB); the write key is never kept. */
  payload: unknown;
}

interface Row {
  id: string;
  installation_id: string;
  received_at: Date;
  received_at_key: string;
  message_id: string | null;
  batch_index: number | null;
  errors: FieldError[];
  bytes: number | null;
  payload: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const badCursor = () =>
  ApiError.badRequest(IngestErrorCode.InvalidCursor, 'cursor is not valid; pass the nextCursor of a previous page');

/** Keyset cursor at Postgres's microsecond precision: `[received_at text, id]`, base64url. */
function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$/.test(value[0]) &&
      typeof value[1] === 'string' &&
      /^\d{1,19}$/.test(value[1])
    ) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw badCursor();
}

/** Events the edge set aside, newest first, for admins to see what Segment sent that did not fit. */
@Injectable()
export class RejectedEventsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(
    workspaceId: string,
    query: { installationId?: unknown; limit?: unknown; cursor?: unknown },
  ): Promise<{ items: RejectedEventView[]; nextCursor: string | null }> {
    let limit = 50;
    if (query.limit !== undefined && query.limit !== '') {
      const n = Number(query.limit);
      if (!Number.isInteger(n) || n < 1 || n > 500) {
        throw ApiError.badRequest(IngestErrorCode.InvalidCursor, 'limit must be an integer from 1 to 500');
      }
      limit = n;
    }
    const params: unknown[] = [workspaceId];
    let where = 'workspace_id = $1';
    if (query.installationId !== undefined && query.installationId !== '') {
      const id = query.installationId;
      // Another workspace's installation answers exactly like a missing one.
      if (typeof id !== 'string' || !UUID.test(id)) throw ApiError.notFound('Installation', IngestErrorCode.InstallationNotFound);
      const found: unknown[] = await this.dataSource.query(`SELECT 1 FROM installations WHERE id = $1 AND workspace_id = $2`, [id, workspaceId]);
      if (found.length === 0) throw ApiError.notFound('Installation', IngestErrorCode.InstallationNotFound);
      params.push(id);
      where += ` AND installation_id = $${params.length}`;
    }
    if (query.cursor !== undefined && query.cursor !== '') {
      if (typeof query.cursor !== 'string') throw badCursor();
      const after = decodeCursor(query.cursor);
      params.push(after.at, after.id);
      where += ` AND (received_at, id) < ($${params.length - 1}::timestamptz, $${params.length}::bigint)`;
    }
    params.push(limit + 1);
    const rows: Row[] = await this.dataSource.query(
      `SELECT id::text AS id, installation_id, received_at,
              to_char(received_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS received_at_key,
              message_id, batch_index, errors, bytes, payload::text AS payload
         FROM rejected_events
        WHERE ${where}
        ORDER BY received_at DESC, id DESC
        LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      items: page.map((r) => ({
        id: r.id,
        installationId: r.installation_id,
        receivedAt: new Date(r.received_at).toISOString(),
        messageId: r.message_id,
        batchIndex: r.batch_index,
        errors: r.errors,
        bytes: r.bytes,
        payload: r.payload === null ? null : parseSafeJson(r.payload),
      })),
      nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.received_at_key, last.id])).toString('base64url') : null,
    };
  }
}
