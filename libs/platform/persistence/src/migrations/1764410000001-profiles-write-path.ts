import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Fewer index writes on the drain's hot path (measured with tools/bench/ingest-drain.ts):
 * - the unique keys of users and accounts use `text_pattern_ops`, so they also serve the API's
 *   prefix search and the separate prefix indexes go (upsert inference ignores the opclass;
 *   equality is byte equality either way);
 * - memberships lose the (user, changed_at) index: a user has a handful of memberships, read
 *   through the primary key, and without it a newer link of an existing membership is a HOT
 *   update (room left on each page by fillfactor 80) instead of three index writes.
 */
export class ProfilesWritePath1764410000001 implements MigrationInterface {
  name = 'ProfilesWritePath1764410000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE UNIQUE INDEX profile_users_user_id_key ON profile_users (workspace_id, user_id text_pattern_ops)`);
    await q.query(`DROP INDEX profile_users_user_key`);
    await q.query(`DROP INDEX profile_users_user_prefix_idx`);
    await q.query(`CREATE UNIQUE INDEX profile_accounts_group_id_key ON profile_accounts (workspace_id, group_id text_pattern_ops)`);
    await q.query(`DROP INDEX profile_accounts_group_key`);
    await q.query(`DROP INDEX profile_accounts_group_prefix_idx`);
    await q.query(`DROP INDEX profile_memberships_latest_idx`);
    await q.query(`ALTER TABLE profile_memberships SET (fillfactor = 80)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE profile_memberships RESET (fillfactor)`);
    await q.query(`CREATE INDEX profile_memberships_latest_idx ON profile_memberships (user_profile_id, changed_at DESC) WHERE linked`);
    await q.query(`CREATE INDEX profile_accounts_group_prefix_idx ON profile_accounts (workspace_id, group_id text_pattern_ops)`);
    await q.query(`CREATE UNIQUE INDEX profile_accounts_group_key ON profile_accounts (workspace_id, group_id)`);
    await q.query(`DROP INDEX profile_accounts_group_id_key`);
    await q.query(`CREATE INDEX profile_users_user_prefix_idx ON profile_users (workspace_id, user_id text_pattern_ops)`);
    await q.query(`CREATE UNIQUE INDEX profile_users_user_key ON profile_users (workspace_id, user_id)`);
    await q.query(`DROP INDEX profile_users_user_id_key`);
  }
}
