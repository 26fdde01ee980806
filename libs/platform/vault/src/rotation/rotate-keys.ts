import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { credentialAad, CredentialIntegrityError, inboundKeyAad, installationSecretsAad, oauthStateAad, type SecretBox } from '../secret-box';

export interface RotateKeysOptions {
  /** Rows re-sealed per transaction; small batches keep row locks short while the hub runs. */
  batchSize?: number;
}

export interface RotationFailure {
  table: string;
  id: string;
  /** Why the row could not be re-sealed (missing key, failed integrity check); never a secret. */
  reason: string;
}

export interface RotateKeysResult {
  activeKeyId: string;
  rekeyed: Rekeyed;
  failed: RotationFailure[];
  /**
   * Rows still under another key after the pass: failures, plus rows locked by the running hub
   * (skipped, not waited for) or written meanwhile by a process whose keyring has another active
   * key. Run the command again until it is 0 before removing the old key.
   */
  remaining: number;
}

export interface Rekeyed {
  installationSecrets: number;
  credentials: number;
  oauthStates: number;
  inboundKeys: number;
}

interface SealedTable {
  name: 'installation_secrets' | 'credentials' | 'oauth_states' | 'inbound_keys';
  pk: string;
  aad: (workspaceId: string, id: string) => string;
}

const TABLES: SealedTable[] = [
  { name: 'installation_secrets', pk: 'installation_id', aad: installationSecretsAad },
  { name: 'credentials', pk: 'id', aad: credentialAad },
  // PKCE verifiers of pending connect flows (at most 10 minutes old, but still under the old key).
  { name: 'oauth_states', pk: 'id', aad: oauthStateAad },
  // Webhooks shared secrets of inbound routes. Rows holding only a key hash have no key id and
  // never match `key_id <> active`, so they are not touched.
  { name: 'inbound_keys', pk: 'id', aad: inboundKeyAad },
];

interface Row {
  id: string;
  workspace_id: string;
  key_id: string;
  iv: Buffer;
  ciphertext: Buffer;
  auth_tag: Buffer;
}

/**
 * Re-seals every secret not under the active key (`box.activeKeyId`) with it. Each batch is its
 * own transaction taking row locks with `FOR UPDATE SKIP LOCKED`, so the hub keeps running: a row
 * the hub is writing is skipped (and counted in `remaining`) instead of blocking either side.
 * Rows are walked in primary-key order, so a row that cannot be opened is reported once, not retried.
 */
export async function rotateKeys(dataSource: DataSource, box: SecretBox, options: RotateKeysOptions = {}): Promise<RotateKeysResult> {
  const batchSize = options.batchSize ?? 500;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer');
  const active = box.activeKeyId;
  const counts = { installation_secrets: 0, credentials: 0, oauth_states: 0, inbound_keys: 0 };
  const perWorkspace = new Map<string, Rekeyed>();
  const countFor = (workspaceId: string) => {
    let entry = perWorkspace.get(workspaceId);
    if (!entry) perWorkspace.set(workspaceId, (entry = { installationSecrets: 0, credentials: 0, oauthStates: 0, inboundKeys: 0 }));
    return entry;
  };
  const key = {
    installation_secrets: 'installationSecrets',
    credentials: 'credentials',
    oauth_states: 'oauthStates',
    inbound_keys: 'inboundKeys',
  } as const;
  const failed: RotationFailure[] = [];

  for (const table of TABLES) {
    let after: string | null = null;
    for (;;) {
      const last: string | null = await dataSource.transaction(async (tx) => {
        const rows = await selectBatch(tx, table, active, after, batchSize);
        for (const row of rows) {
          const aad = table.aad(row.workspace_id, row.id);
          try {
            const plaintext = box.open({ keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag }, aad);
            const sealed = box.seal(plaintext, aad);
            plaintext.fill(0);
            await tx.query(
              `UPDATE ${table.name} SET key_id = $1, iv = $2, ciphertext = $3, auth_tag = $4 WHERE ${table.pk} = $5`,
              [sealed.keyId, sealed.iv, sealed.ciphertext, sealed.authTag, row.id],
            );
            counts[table.name] += 1;
            countFor(row.workspace_id)[key[table.name]] += 1;
          } catch (err) {
            if (!(err instanceof CredentialIntegrityError)) throw err;
            failed.push({ table: table.name, id: row.id, reason: err.message });
          }
        }
        return rows.length ? rows[rows.length - 1].id : null;
      });
      if (last === null) break;
      after = last;
    }
  }

  // Owners see the rotation in their workspace's audit log: which key now seals what, never a key.
  const audit = new AuditService(dataSource);
  for (const [workspaceId, rekeyed] of perWorkspace) {
    await audit.record({
      workspaceId,
      actorUserId: null,
      action: 'vault.keys_rotated',
      targetType: 'keyring',
      targetId: active,
      details: { activeKeyId: active, rekeyed },
    });
  }

  let remaining = 0;
  for (const table of TABLES) {
    const [{ n }] = (await dataSource.query(`SELECT count(*)::int AS n FROM ${table.name} WHERE key_id <> $1`, [active])) as {
      n: number;
    }[];
    remaining += n;
  }
  return {
    activeKeyId: active,
    rekeyed: {
      installationSecrets: counts.installation_secrets,
      credentials: counts.credentials,
      oauthStates: counts.oauth_states,
      inboundKeys: counts.inbound_keys,
    },
    failed,
    remaining,
  };
}

function selectBatch(tx: EntityManager, table: SealedTable, active: string, after: string | null, limit: number): Promise<Row[]> {
  return tx.query(
    `SELECT ${table.pk} AS id, workspace_id, key_id, iv, ciphertext, auth_tag
       FROM ${table.name}
      WHERE key_id <> $1 AND ($2::uuid IS NULL OR ${table.pk} > $2::uuid)
      ORDER BY ${table.pk}
      LIMIT $3
      FOR UPDATE SKIP LOCKED`,
    [active, after, limit],
  ) as Promise<Row[]>;
}
