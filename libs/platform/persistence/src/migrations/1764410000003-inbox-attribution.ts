import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The hand-off between the two parts of a pipelined drain batch (@hub/profiles): the profile
 * part computes each message's account (which needs the memberships as that batch left them)
 * and stores it here, per inbox row, by position; the events part, committed later on another
 * connection, inserts the events with them and deletes the row. A handful of rows at any time;
 * retention's delete of the inbox row takes a leftover with it.
 */
export class InboxAttribution1764410000003 implements MigrationInterface {
  name = 'InboxAttribution1764410000003';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbox_attribution (
        inbox_id bigint PRIMARY KEY REFERENCES inbox(id) ON DELETE CASCADE,
        account_ids uuid[] NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS inbox_attribution`);
  }
}
