import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Profiles: the projection of inbox messages into core events, accounts, users, memberships and
 * the catalog (DESIGN.md "The core event model and profiles"). The worker's drain writes these
 * tables in a few set-based statements per batch; `@hub/profiles` documents the rules.
 *
 * Traits merge last-writer-wins per key by event time: `trait_meta` maps each key to
 * `[epochMillis, installationId]` (when it was true, who said so), so deliveries that arrive out
 * of order converge, and the provenance of every value is kept.
 */
export class Profiles1764410000000 implements MigrationInterface {
  name = 'Profiles1764410000000';

  async up(q: QueryRunner): Promise<void> {
    // Counts per type and per drop reason, maintained by the drain with one UPDATE per batch.
    await q.query(`ALTER TABLE installations ADD COLUMN event_counts jsonb NOT NULL DEFAULT '{}'::jsonb`);
    // An inbox row the drain cannot project (a value Postgres refuses) is set aside with the
    // reason instead of blocking its workspace forever.
    await q.query(`ALTER TABLE inbox ADD COLUMN drain_error text`);

    await q.query(`
      CREATE TABLE profile_settings (
        workspace_id uuid PRIMARY KEY REFERENCES workspaces(id) ON DELETE CASCADE,
        account_name_trait text NOT NULL DEFAULT 'name',
        user_email_trait text NOT NULL DEFAULT 'email',
        account_id_property text,
        page_events boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // fillfactor leaves room on each page so the per-batch "last seen" updates stay HOT (no
    // index writes) when no indexed column changes.
    await q.query(`
      CREATE TABLE profile_accounts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        group_id text NOT NULL,
        name text,
        traits jsonb NOT NULL DEFAULT '{}'::jsonb,
        trait_meta jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 80)`);
    await q.query(`CREATE UNIQUE INDEX profile_accounts_group_key ON profile_accounts (workspace_id, group_id)`);
    await q.query(`CREATE INDEX profile_accounts_page_idx ON profile_accounts (workspace_id, created_at, id)`);
    // Search: case-insensitive name prefix, groupId prefix.
    await q.query(`CREATE INDEX profile_accounts_name_idx ON profile_accounts (workspace_id, lower(name) text_pattern_ops)`);
    await q.query(`CREATE INDEX profile_accounts_group_prefix_idx ON profile_accounts (workspace_id, group_id text_pattern_ops)`);

    // user_id is null for a profile known only by anonymous ids (an identify without userId).
    await q.query(`
      CREATE TABLE profile_users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        user_id text,
        email text,
        traits jsonb NOT NULL DEFAULT '{}'::jsonb,
        trait_meta jsonb NOT NULL DEFAULT '{}'::jsonb,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      ) WITH (fillfactor = 80)`);
    await q.query(`CREATE UNIQUE INDEX profile_users_user_key ON profile_users (workspace_id, user_id)`);
    await q.query(`CREATE INDEX profile_users_page_idx ON profile_users (workspace_id, created_at, id)`);
    await q.query(`CREATE INDEX profile_users_email_idx ON profile_users (workspace_id, lower(email) text_pattern_ops)`);
    await q.query(`CREATE INDEX profile_users_user_prefix_idx ON profile_users (workspace_id, user_id text_pattern_ops)`);

    await q.query(`
      CREATE TABLE profile_anonymous_ids (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        anonymous_id text NOT NULL,
        profile_id uuid NOT NULL REFERENCES profile_users(id) ON DELETE CASCADE,
        linked_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, anonymous_id)
      )`);
    await q.query(`CREATE INDEX profile_anonymous_ids_profile_idx ON profile_anonymous_ids (profile_id)`);

    // A link or an unlink, whichever has the later event time (ties: unlink), so memberships
    // converge like traits; unlinked rows stay as tombstones against older links arriving late.
    await q.query(`
      CREATE TABLE profile_memberships (
        user_profile_id uuid NOT NULL REFERENCES profile_users(id) ON DELETE CASCADE,
        account_id uuid NOT NULL REFERENCES profile_accounts(id) ON DELETE CASCADE,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        linked boolean NOT NULL,
        changed_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_profile_id, account_id)
      )`);
    await q.query(`CREATE INDEX profile_memberships_account_idx ON profile_memberships (account_id, created_at, user_profile_id) WHERE linked`);
    // "The user's last associated account" for attribution.
    await q.query(`CREATE INDEX profile_memberships_latest_idx ON profile_memberships (user_profile_id, changed_at DESC) WHERE linked`);

    // The core events (TEAM.md contract 4): one row per (workspace, messageId), with the inbox
    // row it came from (the subscription fan-out reads by inbox_id).
    await q.query(`
      CREATE TABLE events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid,
        inbox_id bigint NOT NULL,
        message_id text NOT NULL,
        type text NOT NULL,
        event text,
        user_id text,
        anonymous_id text,
        group_id text,
        previous_id text,
        account_id uuid,
        properties jsonb,
        traits jsonb,
        context jsonb NOT NULL DEFAULT '{}'::jsonb,
        "timestamp" timestamptz NOT NULL,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE UNIQUE INDEX events_message_key ON events (workspace_id, message_id)`);
    await q.query(`CREATE INDEX events_inbox_idx ON events (inbox_id)`);
    await q.query(`CREATE INDEX events_workspace_idx ON events (workspace_id, id)`);
    await q.query(`CREATE INDEX events_account_idx ON events (workspace_id, account_id, id) WHERE account_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_user_idx ON events (workspace_id, user_id, id) WHERE user_id IS NOT NULL`);
    await q.query(`CREATE INDEX events_name_idx ON events (workspace_id, event, id) WHERE event IS NOT NULL`);

    await q.query(`
      CREATE TABLE catalog_traits (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        entity text NOT NULL CHECK (entity IN ('user', 'account')),
        key text NOT NULL,
        type text NOT NULL,
        count bigint NOT NULL DEFAULT 0,
        first_seen_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        PRIMARY KEY (workspace_id, entity, key)
      )`);
    await q.query(`
      CREATE TABLE catalog_events (
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        name text NOT NULL,
        status text NOT NULL DEFAULT 'tracked' CHECK (status IN ('tracked', 'ignored')),
        count bigint NOT NULL DEFAULT 0,
        ignored_count bigint NOT NULL DEFAULT 0,
        first_seen_at timestamptz,
        last_seen_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (workspace_id, name)
      )`);

    // An id as Segment sends it: a non-empty string or a number; anything else is no id.
    await q.query(`
      CREATE FUNCTION hub_json_id(value jsonb) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT CASE jsonb_typeof(value) WHEN 'string' THEN nullif(value #>> '{}', '') WHEN 'number' THEN value #>> '{}' END
      $$`);
    // Last-writer-wins merge of incoming traits into current ones, per key, by event time; equal
    // times fall to the greater JSON text so every delivery order gives the same result.
    // Returns [traits, trait_meta].
    await q.query(`
      CREATE FUNCTION hub_lww_merge(cur jsonb, cur_meta jsonb, inc jsonb, inc_meta jsonb) RETURNS jsonb
      LANGUAGE plpgsql IMMUTABLE AS $$
      DECLARE
        k text;
        v jsonb;
        cur_at float8;
        inc_at float8;
        vals jsonb := coalesce(cur, '{}'::jsonb);
        meta jsonb := coalesce(cur_meta, '{}'::jsonb);
      BEGIN
        IF inc IS NULL OR inc = '{}'::jsonb THEN
          RETURN jsonb_build_array(vals, meta);
        END IF;
        FOR k, v IN SELECT e.key, e.value FROM jsonb_each(inc) e LOOP
          inc_at := (inc_meta -> k ->> 0)::float8;
          cur_at := (meta -> k ->> 0)::float8;
          IF cur_at IS NULL OR inc_at > cur_at OR (inc_at = cur_at AND v::text > coalesce((vals -> k)::text, '')) THEN
            vals := jsonb_set(vals, ARRAY[k], v);
            meta := jsonb_set(meta, ARRAY[k], inc_meta -> k);
          END IF;
        END LOOP;
        RETURN jsonb_build_array(vals, meta);
      END
      $$`);
    // Adds two {name: count} objects key by key.
    await q.query(`
      CREATE FUNCTION hub_add_counts(a jsonb, b jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
        SELECT coalesce(jsonb_object_agg(k, coalesce((a ->> k)::bigint, 0) + coalesce((b ->> k)::bigint, 0)), '{}'::jsonb)
        FROM (SELECT jsonb_object_keys(coalesce(a, '{}'::jsonb)) AS k UNION SELECT jsonb_object_keys(coalesce(b, '{}'::jsonb))) keys
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION IF EXISTS hub_add_counts(jsonb, jsonb)`);
    await q.query(`DROP FUNCTION IF EXISTS hub_lww_merge(jsonb, jsonb, jsonb, jsonb)`);
    await q.query(`DROP FUNCTION IF EXISTS hub_json_id(jsonb)`);
    for (const table of [
      'catalog_events',
      'catalog_traits',
      'events',
      'profile_memberships',
      'profile_anonymous_ids',
      'profile_users',
      'profile_accounts',
      'profile_settings',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
    await q.query(`ALTER TABLE inbox DROP COLUMN IF EXISTS drain_error`);
    await q.query(`ALTER TABLE installations DROP COLUMN IF EXISTS event_counts`);
  }
}
