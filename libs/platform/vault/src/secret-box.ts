import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from '@hub/config';

/** A ciphertext as stored: the key id that sealed it travels with it, so rotation can re-key. */
export interface Sealed {
  keyId: string;
  iv: Buffer;
  ciphertext: Buffer;
  authTag: Buffer;
}

export class CredentialIntegrityError extends Error {
  readonly code = 'CREDENTIAL_INTEGRITY_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'CredentialIntegrityError';
  }
}

const IV_BYTES = 12; // 96-bit IV, the size GCM is specified for
const TAG_BYTES = 16;

/**
 * AES-256-GCM with a random IV per encryption. The additional authenticated data (AAD) names the
 * row and field a ciphertext belongs to (e.g. `installation-secrets:<ws>:<id>`), so a ciphertext
 * copied to another row, field or workspace fails to open instead of leaking someone's secret.
 */
export class SecretBox {
  constructor(private readonly keyring: Keyring) {}

  get activeKeyId(): string {
    return this.keyring.activeKeyId;
  }

  seal(plaintext: Buffer | string, aad: string): Sealed {
    const keyId = this.keyring.activeKeyId;
    const key = this.keyring.keys.get(keyId) as Buffer;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(aad, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return { keyId, iv, ciphertext, authTag: cipher.getAuthTag() };
  }

  open(sealed: Sealed, aad: string): Buffer {
    const key = this.keyring.keys.get(sealed.keyId);
    if (!key) {
      throw new CredentialIntegrityError(
        `secret was sealed with key "${sealed.keyId}", which is not in HUB_ENCRYPTION_KEYS; add it back to decrypt`,
      );
    }
    if (sealed.iv.length !== IV_BYTES || sealed.authTag.length !== TAG_BYTES) {
      throw new CredentialIntegrityError('stored secret is malformed (IV or tag length)');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, sealed.iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(sealed.authTag);
      return Buffer.concat([decipher.update(sealed.ciphertext), decipher.final()]);
    } catch {
      throw new CredentialIntegrityError('stored secret failed its integrity check (tampered or moved to another row)');
    }
  }

  sealJson(value: unknown, aad: string): Sealed {
    return this.seal(JSON.stringify(value), aad);
  }

  openJson<T = unknown>(sealed: Sealed, aad: string): T {
    return JSON.parse(this.open(sealed, aad).toString('utf8')) as T;
  }

  /** True when the ciphertext should be re-sealed under the active key (rotation). */
  needsRekey(sealed: Pick<Sealed, 'keyId'>): boolean {
    return sealed.keyId !== this.keyring.activeKeyId;
  }
}

/** The AAD of an installation's secret settings. */
export const installationSecretsAad = (workspaceId: string, installationId: string) =>
  `installation-secrets:v1:${workspaceId}:${installationId}`;

/** The AAD of a workspace credential's secrets. */
export const credentialAad = (workspaceId: string, credentialId: string) => `credential:v1:${workspaceId}:${credentialId}`;

/** The AAD of a pending OAuth flow's PKCE code verifier. */
export const oauthStateAad = (workspaceId: string, stateId: string) => `oauth-state:v1:${workspaceId}:${stateId}`;

/**
 * The AAD of a shared secret the hub issued for an inbound route (a Segment Webhooks secret), in
 * `inbound_keys`. Defined here so the vault's rotation can re-seal those rows too.
 */
export const inboundKeyAad = (workspaceId: string, rowId: string) => `inbound-keys:v1:${workspaceId}:${rowId}`;
