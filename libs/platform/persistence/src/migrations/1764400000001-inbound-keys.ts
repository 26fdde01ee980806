import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keys and shared secrets the hub issues for installations that receive events (the Segment
 * destination's inbound API key, Tracking API write key, Webhooks shared secret).
 *
 * A key is stored only as its SHA-256 (`key_hash`, looked up on every uncached request) with a
 * short non-secret `prefix` for display. A shared secret is sealed (AES-256-GCM, vault key id,
 * AAD `inbound-keys:v1:<workspace>:<id>`) because verifying an HMAC needs the plaintext. A row
 * is one or the other. `expires_at` is set when a key is rotated: it keeps working until then.
 */
export class InboundKeys1764400000001 implements MigrationInterface {
  name = 'InboundKeys1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE inbound_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        workspace_id uuid NOT NULL REFERENCES workspaces(id) ON DELETE CASCADE,
        installation_id uuid NOT NULL REFERENCES installations(id) ON DELETE CASCADE,
        name text NOT NULL,
        prefix text NOT NULL,
        key_hash bytea,
        key_id text,
        iv bytea,
        ciphertext bytea,
        auth_tag bytea,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        CONSTRAINT inbound_keys_hashed_or_sealed CHECK ((key_hash IS NULL) <> (ciphertext IS NULL)),
        CONSTRAINT inbound_keys_sealed_whole CHECK (ciphertext IS NULL OR (key_id IS NOT NULL AND iv IS NOT NULL AND auth_tag IS NOT NULL))
      )`);
    await q.query(`CREATE UNIQUE INDEX inbound_keys_hash_idx ON inbound_keys (key_hash) WHERE key_hash IS NOT NULL`);
    // One current key per name and installation; rotated ones (expires_at set) may overlap it.
    await q.query(`CREATE UNIQUE INDEX inbound_keys_current_idx ON inbound_keys (installation_id, name) WHERE expires_at IS NULL`);
    // The rejected-events API filters by installation.
    await q.query(`CREATE INDEX rejected_events_installation_idx ON rejected_events (workspace_id, installation_id, received_at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS rejected_events_installation_idx`);
    await q.query(`DROP TABLE IF EXISTS inbound_keys`);
  }
}
