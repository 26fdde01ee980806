import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Pending OAuth connect flows: `state` is stored hashed, single use (`consumed_at`), expires after
 * 10 minutes, and is bound to the admin who started it (user id, plus a hashed nonce held in a
 * cookie by that admin's browser). The PKCE verifier is sealed like any other secret.
 */
export class OAuthStates1764300000001 implements MigrationInterface {
  name = 'OAuthStates1764300000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE oauth_states (
        id uuid PRIMARY KEY,
        state_hash bytea NOT NULL,
        binding_hash bytea NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id uuid NOT NULL,
        provider text NOT NULL,
        label text,
        installation_id uuid,
        login_url text,
        key_id text NOT NULL,
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        expires_at timestamptz NOT NULL,
        consumed_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX oauth_states_hash_key ON oauth_states (state_hash)`);
    await q.query(`CREATE INDEX oauth_states_expiry_idx ON oauth_states (expires_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS oauth_states`);
  }
}
