import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbound ledger (`@hub/delivery`): one `deliveries` row per action call (API, subscription
 * or programmatic), committed before the API answers 202, so the send backlog lives in Postgres,
 * not in Redis or a worker's heap. A flush job claims queued rows with `FOR UPDATE SKIP LOCKED`
 * in `seq` order, sends them in batches and records the outcome.
 *
 * `input` is the action input as accepted (messageId assigned); it is cleared once the row is
 * sent (the ledger keeps ids and outcomes, not the personal data), and kept for `dead` rows so a
 * replay can send them. `source_key` makes fan-out and programmatic entries idempotent.
 *
 * `subscriptions` route core events or profile changes to an action with a mapping.
 * `inbox.fanned_out_at` marks the inbox rows the subscription fan-out has handled (contract 5);
 * rows processed before this migration count as handled, so enabling the feature does not
 * forward history.
 */
export class DeliveriesAndSubscriptions1764500000000 implements MigrationInterface {
  name = 'DeliveriesAndSubscriptions1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE subscriptions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        action text NOT NULL,
        filter jsonb NOT NULL,
        mapping jsonb NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX subscriptions_installation_idx ON subscriptions (workspace_id, installation_id, created_at, id)`);
    await q.query(`CREATE INDEX subscriptions_enabled_idx ON subscriptions (workspace_id) WHERE enabled`);

    await q.query(`
      CREATE TABLE deliveries (
        id uuid PRIMARY KEY,
        seq bigint GENERATED ALWAYS AS IDENTITY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        action text NOT NULL,
        status text NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'dead')),
        input jsonb,
        input_bytes integer NOT NULL DEFAULT 0,
        attempts integer NOT NULL DEFAULT 0,
        last_error text,
        message_ids text[] NOT NULL DEFAULT '{}',
        source text NOT NULL CHECK (source IN ('api', 'subscription', 'programmatic')),
        subscription_id uuid REFERENCES subscriptions(id) ON DELETE SET NULL,
        source_key text,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 85)`);
    // The flush's claim: pending rows of one installation in arrival order.
    await q.query(`CREATE INDEX deliveries_pending_idx ON deliveries (installation_id, seq) WHERE status IN ('queued', 'failed')`);
    // The relay: installations with pending rows.
    await q.query(`CREATE INDEX deliveries_pending_age_idx ON deliveries (created_at) WHERE status IN ('queued', 'failed')`);
    // The API's list, newest first, filterable by installation and status.
    await q.query(`CREATE INDEX deliveries_list_idx ON deliveries (workspace_id, created_at DESC, id DESC)`);
    await q.query(`CREATE INDEX deliveries_installation_list_idx ON deliveries (workspace_id, installation_id, created_at DESC, id DESC)`);
    await q.query(`CREATE UNIQUE INDEX deliveries_source_key ON deliveries (installation_id, source_key) WHERE source_key IS NOT NULL`);

    await q.query(`ALTER TABLE inbox ADD COLUMN fanned_out_at timestamptz`);
    await q.query(`UPDATE inbox SET fanned_out_at = processed_at WHERE processed_at IS NOT NULL`);
    await q.query(`CREATE INDEX inbox_fanout_pending_idx ON inbox (workspace_id, id) WHERE processed_at IS NOT NULL AND fanned_out_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS inbox_fanout_pending_idx`);
    await q.query(`ALTER TABLE inbox DROP COLUMN IF EXISTS fanned_out_at`);
    await q.query(`DROP TABLE IF EXISTS deliveries`);
    await q.query(`DROP TABLE IF EXISTS subscriptions`);
  }
}
