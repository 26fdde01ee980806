import type { CredentialEntity } from '@hub/persistence';
import type { Credentials } from '@hub/sdk';
import { credentialAad, type SecretBox } from '../secret-box';
import type { SealedSecrets } from './credentials.schemas';

/** Opens a credential row's sealed secrets (CREDENTIAL_INTEGRITY_FAILED when moved or tampered with). */
export function openCredential(box: SecretBox, row: Pick<CredentialEntity, 'id' | 'workspaceId' | 'keyId' | 'iv' | 'ciphertext' | 'authTag'>): SealedSecrets {
  return box.openJson<SealedSecrets>(
    { keyId: row.keyId, iv: row.iv, ciphertext: row.ciphertext, authTag: row.authTag },
    credentialAad(row.workspaceId, row.id),
  );
}

/** Seals secrets for the row (workspace, credential) they belong to; returns the columns to store. */
export function sealCredential(box: SecretBox, workspaceId: string, id: string, secrets: SealedSecrets) {
  const sealed = box.sealJson(secrets, credentialAad(workspaceId, id));
  return { keyId: sealed.keyId, iv: sealed.iv, ciphertext: sealed.ciphertext, authTag: sealed.authTag };
}

/** The SDK's shape, as a running connector receives it. The refresh token never leaves the vault. */
export function toSdkCredentials(secrets: SealedSecrets, metadata: Record<string, string> | null): Credentials {
  switch (secrets.type) {
    case 'apiKey':
      return { type: 'apiKey', apiKey: secrets.apiKey };
    case 'basic':
      return { type: 'basic', username: secrets.username, password: secrets.password };
    case 'oauth2':
      return { type: 'oauth2', accessToken: secrets.accessToken, metadata: { ...(metadata ?? {}) } };
  }
}
