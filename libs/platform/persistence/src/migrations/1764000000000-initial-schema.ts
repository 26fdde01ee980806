import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The platform schema: admins and tokens, workspaces and members, installations with their
 * secrets kept apart (encrypted), job checkpoints and runs, and the dead-letter table. Every
 * tenant-owned row carries `workspace_id` so every query can be scoped by it.
 */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS pgcrypto`);
    await q.query(`
      CREATE TABLE admin_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL,
        password_hash text NOT NULL,
        is_instance_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX admin_users_email_key ON admin_users (lower(email))`);

    await q.query(`
      CREATE TABLE api_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('session', 'api')),
        name text NOT NULL,
        token_hash bytea NOT NULL,
        workspace_ids uuid[],
        role text CHECK (role IN ('owner', 'admin', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`CREATE UNIQUE INDEX api_tokens_hash_key ON api_tokens (token_hash)`);
    await q.query(`CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at)`);

    await q.query(`
      CREATE TABLE workspaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        slug text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE UNIQUE INDEX workspaces_slug_key ON workspaces (slug)`);

    await q.query(`
      CREATE TABLE workspace_members (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES admin_users(id) ON DELETE CASCADE,
        role text NOT NULL CHECK (role IN ('owner', 'admin', 'viewer')),
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, user_id)
      )`);
    await q.query(`CREATE INDEX workspace_members_user_idx ON workspace_members (user_id)`);

    await q.query(`
      CREATE TABLE installations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        connector_id text NOT NULL,
        connector_version text NOT NULL,
        name text NOT NULL,
        settings jsonb NOT NULL DEFAULT '{}'::jsonb,
        enabled boolean NOT NULL DEFAULT false,
        status text NOT NULL DEFAULT 'disabled',
        status_message text,
        credential_id uuid,
        last_check_at timestamptz,
        last_event_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX installations_workspace_idx ON installations (workspace_id, created_at, id)`);
    await q.query(`CREATE INDEX installations_enabled_idx ON installations (connector_id) WHERE enabled`);

    // Secret settings live apart from plain settings, encrypted (AES-256-GCM) with the key id
    // stored beside the ciphertext; the AAD binds a row's ciphertext to its workspace and row.
    await q.query(`
      CREATE TABLE installation_secrets (
        installation_id uuid PRIMARY KEY REFERENCES installations(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        key_id text NOT NULL,
        iv bytea NOT NULL,
        ciphertext bytea NOT NULL,
        auth_tag bytea NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE job_checkpoints (
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        job_key text NOT NULL,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        value jsonb NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (installation_id, job_key)
      )`);

    await q.query(`
      CREATE TABLE job_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        job_key text NOT NULL,
        bull_job_id text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed')),
        attempt integer NOT NULL,
        error text,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX job_runs_installation_idx ON job_runs (workspace_id, installation_id, started_at DESC)`);

    await q.query(`
      CREATE TABLE dead_letters (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid REFERENCES installations(id) ON DELETE CASCADE,
        queue text NOT NULL,
        job_name text NOT NULL,
        payload jsonb NOT NULL,
        error_code text NOT NULL,
        reason text NOT NULL,
        attempts integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        replayed_at timestamptz,
        replay_count integer NOT NULL DEFAULT 0
      )`);
    await q.query(`CREATE INDEX dead_letters_workspace_idx ON dead_letters (workspace_id, created_at DESC, id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'dead_letters',
      'job_runs',
      'job_checkpoints',
      'installation_secrets',
      'installations',
      'workspace_members',
      'workspaces',
      'api_tokens',
      'admin_users',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
