import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ingestion inbox: the edge commits every accepted request here (one row per request or
 * batch) before it answers 2xx, so Postgres, not Redis, is the store of record. The worker
 * projects pending rows into profiles and marks them processed in the same transaction; a relay
 * re-enqueues rows left pending (Redis lost the job, a worker died).
 *
 * `events` is a JSON array of messages exactly as `@hub/event-model` normalizes them (camelCase,
 * `messageId`, `timestamp` and `receivedAt` always set), so the worker can expand them in SQL
 * with `jsonb_array_elements` instead of shipping them back through Node.
 *
 * `rejected_events` keeps what the edge set aside (one bad event of a batch) with its reason,
 * for admins; nothing in it is projected.
 */
export class IngestInbox1764400000000 implements MigrationInterface {
  name = 'IngestInbox1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT now(),
        event_count integer NOT NULL CHECK (event_count >= 0),
        events jsonb NOT NULL CHECK (jsonb_typeof(events) = 'array'),
        processed_at timestamptz
      )`);
    // The worker's and the relay's scan: pending rows, oldest first, per workspace.
    await q.query(`CREATE INDEX inbox_pending_idx ON inbox (workspace_id, id) WHERE processed_at IS NULL`);
    // Retention deletes processed rows by age.
    await q.query(`CREATE INDEX inbox_processed_idx ON inbox (processed_at) WHERE processed_at IS NOT NULL`);

    await q.query(`
      CREATE TABLE rejected_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        received_at timestamptz NOT NULL DEFAULT now(),
        message_id text,
        batch_index integer,
        errors jsonb NOT NULL,
        bytes integer,
        -- The event as sent when it is small enough to keep (never above the 32 KB event cap).
        payload jsonb
      )`);
    await q.query(`CREATE INDEX rejected_events_workspace_idx ON rejected_events (workspace_id, received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS rejected_events`);
    await q.query(`DROP TABLE IF EXISTS inbox`);
  }
}
