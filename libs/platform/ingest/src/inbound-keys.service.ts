import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { InboundKeyView } from '@hub/host';
import type { ConnectorDefinition } from '@hub/sdk';
import { SecretBox } from '@hub/vault';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { INGEST_POOL } from './ingest-pool';
import { generateInboundKey, hashInboundKey, keyPrefix, MASK, SHARED_SECRET } from './inbound-key-codec';
import { inboundSecretAad } from './inbound-secret-aad';
import { INBOUND_CACHE_TTL_MS, InboundInstallations } from './inbound-installations.service';
import { TtlCache } from './ttl-cache';

/** A rotated key keeps working this long unless the caller says otherwise (Segment settings take a moment to update). */
export const DEFAULT_ROTATION_GRACE_SECONDS = 3600;
export const MAX_ROTATION_GRACE_SECONDS = 7 * 24 * 3600;

/** Who a presented key belongs to. */
export interface KeyMatch {
  installationId: string;
  workspaceId: string;
  /** The key's name as the connector declares it (`apiKey`, `writeKey`). */
  name: string;
}

interface KeyRow {
  installation_id: string;
  name: string;
  prefix: string;
  created_at: Date;
  expires_at: Date | null;
}

/** The names a connector issues: its declared keys, plus `sharedSecret` when it declares one. */
export function issuedNames(connector: ConnectorDefinition): { name: string; title: string; sealed: boolean }[] {
  const keys = Object.entries(connector.inboundKeys ?? {}).map(([name, spec]) => ({ name, title: spec.title, sealed: false }));
  return connector.inboundSecret ? [...keys, { name: SHARED_SECRET, title: connector.inboundSecret.title, sealed: true }] : keys;
}

function view(row: KeyRow, title: string, value?: string): InboundKeyView {
  return {
    name: row.name,
    title,
    prefix: row.prefix,
    masked: `${row.prefix}${MASK}`,
    ...(value !== undefined ? { value } : {}),
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at ? row.expires_at.toISOString() : null,
  };
}

/**
 * Inbound keys and shared secrets. Keys (256 random bits) are stored as SHA-256 hashes with a
 * short display prefix and looked up by hash; shared secrets are sealed with the vault's
 * SecretBox (AAD bound to the row) because verifying an HMAC needs the plaintext. Plaintext
 * leaves only in the answer that creates or rotates it.
 */
@Injectable()
export class InboundKeysService {
  private readonly lookups = new TtlCache<string, KeyMatch | null>(INBOUND_CACHE_TTL_MS);

  constructor(
    @Inject(INGEST_POOL) private readonly pool: Pool,
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly installations: InboundInstallations,
  ) {}

  /** The hot-path lookup: cached briefly, an expired (rotated) key stops matching at its expiry. */
  findByKey(key: string): Promise<KeyMatch | null> {
    const hash = hashInboundKey(key);
    return this.lookups.get(hash.toString('base64'), async () => {
      const { rows } = await this.pool.query<{ installation_id: string; workspace_id: string; name: string; expires_in_ms: number | null }>(
        `SELECT installation_id, workspace_id, name, (extract(epoch FROM expires_at - now()) * 1000)::float8 AS expires_in_ms
           FROM inbound_keys
          WHERE key_hash = $1 AND (expires_at IS NULL OR expires_at > now())`,
        [hash],
      );
      const row = rows[0];
      if (!row) return { value: null };
      return {
        value: { installationId: row.installation_id, workspaceId: row.workspace_id, name: row.name },
        ttlMs: row.expires_in_ms ?? undefined,
      };
    });
  }

  /** Issues every declared key for a new installation, inside its creation transaction. */
  async issueAll(manager: EntityManager, workspaceId: string, installationId: string, connector: ConnectorDefinition): Promise<InboundKeyView[]> {
    const out: InboundKeyView[] = [];
    for (const { name, title, sealed } of issuedNames(connector)) {
      if (sealed) continue; // shared secrets are issued on request
      out.push(await this.insert(manager, workspaceId, installationId, name, title, false));
    }
    return out;
  }

  /**
   * Replaces the current key (or shared secret; issues it when there is none). The previous one
   * keeps working for `graceSeconds` (0: stops at once). The caller has checked the workspace.
   */
  async rotate(
    workspaceId: string,
    installationId: string,
    connector: ConnectorDefinition,
    name: string,
    graceSeconds: number,
  ): Promise<{ key: InboundKeyView; previous: { prefix: string; expiresAt: string } | null } | null> {
    const spec = issuedNames(connector).find((n) => n.name === name);
    if (!spec) return null;
    const result = await this.dataSource.transaction(async (manager) => {
      // The installation row lock serializes rotations of one installation.
      const locked: unknown[] = await manager.query(`SELECT id FROM installations WHERE id = $1 AND workspace_id = $2 FOR UPDATE`, [
        installationId,
        workspaceId,
      ]);
      if (locked.length === 0) return undefined;
      // TypeORM answers an UPDATE ... RETURNING as [rows, affected].
      const [previous] = (await manager.query(
        `UPDATE inbound_keys SET expires_at = now() + make_interval(secs => $4)
          WHERE installation_id = $1 AND workspace_id = $2 AND name = $3 AND expires_at IS NULL
        RETURNING prefix, expires_at, key_hash`,
        [installationId, workspaceId, name, graceSeconds],
      )) as [{ prefix: string; expires_at: Date; key_hash: Buffer | null }[], number];
      // Keys whose grace ended are of no use to anyone: keep the table to live keys.
      await manager.query(`DELETE FROM inbound_keys WHERE installation_id = $1 AND workspace_id = $2 AND expires_at < now()`, [
        installationId,
        workspaceId,
      ]);
      const key = await this.insert(manager, workspaceId, installationId, name, spec.title, spec.sealed);
      return { key, previous };
    });
    if (!result) return null;
    // This process forgets at once; other replicas within INBOUND_CACHE_TTL_MS.
    for (const p of result.previous) if (p.key_hash) this.lookups.delete(Buffer.from(p.key_hash).toString('base64'));
    this.installations.forget(installationId);
    const prev = result.previous[0];
    return { key: result.key, previous: prev ? { prefix: prev.prefix, expiresAt: new Date(prev.expires_at).toISOString() } : null };
  }

  /** The connector of an installation of this workspace, or null (missing or another workspace's). */
  async connectorOf(workspaceId: string, installationId: string): Promise<string | null> {
    const rows: { connector_id: string }[] = await this.dataSource.query(
      `SELECT connector_id FROM installations WHERE id = $1 AND workspace_id = $2`,
      [installationId, workspaceId],
    );
    return rows[0]?.connector_id ?? null;
  }

  /** Masked views of the live keys of these installations. */
  async views(workspaceId: string, installationIds: string[], titles: (installationId: string, name: string) => string): Promise<Map<string, InboundKeyView[]>> {
    const out = new Map<string, InboundKeyView[]>();
    if (installationIds.length === 0) return out;
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT installation_id, name, prefix, created_at, expires_at
         FROM inbound_keys
        WHERE workspace_id = $1 AND installation_id = ANY($2::uuid[]) AND (expires_at IS NULL OR expires_at > now())
        ORDER BY name, created_at`,
      [workspaceId, installationIds],
    );
    for (const row of rows) {
      const list = out.get(row.installation_id) ?? [];
      list.push(view(row, titles(row.installation_id, row.name)));
      out.set(row.installation_id, list);
    }
    return out;
  }

  private async insert(
    manager: EntityManager,
    workspaceId: string,
    installationId: string,
    name: string,
    title: string,
    sealed: boolean,
  ): Promise<InboundKeyView> {
    const id = randomUUID();
    let value: string;
    let rows: KeyRow[];
    if (sealed) {
      // Shown masked without a prefix: a shared secret has no public part.
      value = randomBytes(32).toString('base64url');
      const box = this.box.seal(value, inboundSecretAad(workspaceId, id));
      rows = await manager.query(
        `INSERT INTO inbound_keys (id, workspace_id, installation_id, name, prefix, key_id, iv, ciphertext, auth_tag)
         VALUES ($1, $2, $3, $4, '', $5, $6, $7, $8)
         RETURNING installation_id, name, prefix, created_at, expires_at`,
        [id, workspaceId, installationId, name, box.keyId, box.iv, box.ciphertext, box.authTag],
      );
    } else {
      value = generateInboundKey(name);
      rows = await manager.query(
        `INSERT INTO inbound_keys (id, workspace_id, installation_id, name, prefix, key_hash)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING installation_id, name, prefix, created_at, expires_at`,
        [id, workspaceId, installationId, name, keyPrefix(value), hashInboundKey(value)],
      );
    }
    return view(rows[0], title, value);
  }
}
