import { Inject, Injectable, Logger } from '@nestjs/common';
import { Redactor } from '@hub/host';
import { secretKeys } from '@hub/sdk';
import { CredentialIntegrityError, installationSecretsAad, SecretBox } from '@hub/vault';
import type { Pool } from 'pg';
import { INGEST_POOL } from './ingest-pool';
import { inboundSecretAad } from './inbound-secret-aad';
import { InboundRoutes } from './inbound-routes';
import { SHARED_SECRET } from './inbound-key-codec';
import { TtlCache } from './ttl-cache';

/** How long a process trusts what it read about an installation (enabled, secrets, settings). */
export const INBOUND_CACHE_TTL_MS = 5000;

/** What an inbound request needs to know about its installation, read once per few seconds. */
export interface InstallationSnapshot {
  installationId: string;
  workspaceId: string;
  connectorId: string;
  enabled: boolean;
  /** Validated settings with secrets, or null when they no longer validate (answered 403). */
  settings: Record<string, unknown> | null;
  /** Current shared secrets: the new one and, during a rotation's grace period, the old one. */
  sharedSecrets: string[];
  redactor: Redactor;
}

interface SnapshotRow {
  workspace_id: string;
  connector_id: string;
  enabled: boolean;
  settings: Record<string, unknown>;
  s_key_id: string | null;
  s_iv: Buffer | null;
  s_ciphertext: Buffer | null;
  s_auth_tag: Buffer | null;
}

interface SecretRow {
  id: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
  expires_in_ms: number | null;
}

/**
 * Installations as the inbound hot path sees them: one query on a miss, then memory for
 * INBOUND_CACHE_TTL_MS. A disable, a settings change or a secret rotation made anywhere is
 * honoured here within that time (sooner when a rotated secret's grace period ends first).
 */
@Injectable()
export class InboundInstallations {
  private readonly logger = new Logger('InboundInstallations');
  private readonly cache = new TtlCache<string, InstallationSnapshot | null>(INBOUND_CACHE_TTL_MS);

  constructor(
    @Inject(INGEST_POOL) private readonly pool: Pool,
    private readonly box: SecretBox,
    private readonly routes: InboundRoutes,
  ) {}

  snapshot(installationId: string): Promise<InstallationSnapshot | null> {
    return this.cache.get(installationId, () => this.load(installationId));
  }

  forget(installationId: string): void {
    this.cache.delete(installationId);
  }

  private async load(installationId: string): Promise<{ value: InstallationSnapshot | null; ttlMs?: number }> {
    const { rows } = await this.pool.query<SnapshotRow>(
      `SELECT i.workspace_id, i.connector_id, i.enabled, i.settings,
              s.key_id AS s_key_id, s.iv AS s_iv, s.ciphertext AS s_ciphertext, s.auth_tag AS s_auth_tag
         FROM installations i
         LEFT JOIN installation_secrets s ON s.installation_id = i.id AND s.workspace_id = i.workspace_id
        WHERE i.id = $1`,
      [installationId],
    );
    const row = rows[0];
    const connector = row ? this.routes.connector(row.connector_id) : undefined;
    if (!row || !connector) return { value: null };

    const secrets = await this.pool.query<SecretRow>(
      `SELECT id, key_id, iv, ciphertext, auth_tag,
              (extract(epoch FROM expires_at - now()) * 1000)::float8 AS expires_in_ms
         FROM inbound_keys
        WHERE installation_id = $1 AND workspace_id = $2 AND name = $3 AND ciphertext IS NOT NULL
          AND (expires_at IS NULL OR expires_at > now())
        ORDER BY created_at DESC`,
      [installationId, row.workspace_id, SHARED_SECRET],
    );
    const sharedSecrets: string[] = [];
    let ttlMs: number | undefined;
    for (const s of secrets.rows) {
      try {
        sharedSecrets.push(this.box.open({ keyId: s.key_id, iv: s.iv, ciphertext: s.ciphertext, authTag: s.auth_tag }, inboundSecretAad(row.workspace_id, s.id)).toString('utf8'));
      } catch (err) {
        if (!(err instanceof CredentialIntegrityError)) throw err;
        this.logger.warn({ msg: 'a shared secret cannot be opened (key missing from HUB_ENCRYPTION_KEYS?)', installationId });
      }
      if (s.expires_in_ms !== null) ttlMs = Math.min(ttlMs ?? Infinity, s.expires_in_ms);
    }

    let stored: Record<string, unknown> = {};
    if (row.s_ciphertext && row.s_key_id && row.s_iv && row.s_auth_tag) {
      try {
        stored = this.box.openJson<Record<string, unknown>>(
          { keyId: row.s_key_id, iv: row.s_iv, ciphertext: row.s_ciphertext, authTag: row.s_auth_tag },
          installationSecretsAad(row.workspace_id, installationId),
        );
      } catch (err) {
        if (!(err instanceof CredentialIntegrityError)) throw err;
        stored = {};
      }
    }
    const parsed = connector.settings.safeParse({ ...row.settings, ...stored });
    return {
      value: {
        installationId,
        workspaceId: row.workspace_id,
        connectorId: row.connector_id,
        enabled: row.enabled,
        settings: parsed.success ? (parsed.data as Record<string, unknown>) : null,
        sharedSecrets,
        redactor: new Redactor([...Object.values(stored), ...sharedSecrets], [...secretKeys(connector.settings), SHARED_SECRET]),
      },
      ttlMs,
    };
  }
}
