import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Token refresh bookkeeping on credentials: when the tokens were last refreshed (so a 401 right
 * after a refresh does not start another one) and why a credential needs an admin
 * (`needs_reauth`), shown in its masked view. Neither is secret.
 */
export class CredentialRefresh1764300000002 implements MigrationInterface {
  name = 'CredentialRefresh1764300000002';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE credentials ADD COLUMN IF NOT EXISTS refreshed_at timestamptz`);
    await q.query(`ALTER TABLE credentials ADD COLUMN IF NOT EXISTS status_message text`);
    // The host resolves an installation's credential and the vault flags the installations of a
    // credential that needs reconnecting: both look installations up by credential.
    await q.query(`CREATE INDEX IF NOT EXISTS installations_credential_idx ON installations (workspace_id, credential_id) WHERE credential_id IS NOT NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS installations_credential_idx`);
    await q.query(`ALTER TABLE credentials DROP COLUMN IF EXISTS status_message`);
    await q.query(`ALTER TABLE credentials DROP COLUMN IF EXISTS refreshed_at`);
  }
}
