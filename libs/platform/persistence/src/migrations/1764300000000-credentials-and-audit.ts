import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The vault's tables: credentials of a workspace (secrets sealed with AES-256-GCM, the key id
 * beside the ciphertext, non-secret token metadata in plain jsonb) and the audit log owners read.
 * Audit actors are not foreign keys: the log must outlive a deleted admin.
 */
export class CredentialsAndAudit1764300000000 implements MigrationInterface {
  name = 'CredentialsAndAudit1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE credentials (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('apiKey', 'basic', 'oauth2')),
        provider text,
        label text NOT NULL,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'needs_reauth')),
        metadata jsonb NOT NULL DEFAULT '{}'::jsonb,
        key_id text NOT NULL,
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX credentials_workspace_idx ON credentials (workspace_id, created_at, id)`);
    // Rotation scans for rows sealed under a key other than the active one.
    await q.query(`CREATE INDEX credentials_key_idx ON credentials (key_id)`);
    await q.query(`CREATE INDEX installation_secrets_key_idx ON installation_secrets (key_id)`);

    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        actor_user_id uuid,
        action text NOT NULL,
        target_type text NOT NULL,
        target_id text,
        details jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX audit_events_workspace_idx ON audit_events (workspace_id, created_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS audit_events`);
    await q.query(`DROP INDEX IF EXISTS installation_secrets_key_idx`);
    await q.query(`DROP TABLE IF EXISTS credentials`);
  }
}
