import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The send path's per-event costs (`npm run bench:send`):
 *
 * - `input` becomes `json` (text, checked on input, returned verbatim): written once as the
 *   recorder serialized it and read once by the flush, without building and re-printing a
 *   `jsonb` tree per row. Nothing queries inside it.
 * - `checked_version`: the connector version whose action schema accepted `input` when it was
 *   recorded. The flush validates again only rows checked by another version (an upgrade
 *   happened meanwhile) or by none (replays of rows recorded invalid).
 * - `deliveries_pending_age_idx` goes: the relay finds an installation's oldest pending row
 *   through `deliveries_pending_idx` (installation, seq), one index write less per row.
 */
export class DeliveriesSendPath1764500000002 implements MigrationInterface {
  name = 'DeliveriesSendPath1764500000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ALTER COLUMN input TYPE json USING input::json, ADD COLUMN checked_version text`);
    await q.query(`DROP INDEX IF EXISTS deliveries_pending_age_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX IF NOT EXISTS deliveries_pending_age_idx ON deliveries (created_at) WHERE status IN ('queued', 'failed')`);
    await q.query(`ALTER TABLE deliveries ALTER COLUMN input TYPE jsonb USING input::jsonb, DROP COLUMN IF EXISTS checked_version`);
  }
}
