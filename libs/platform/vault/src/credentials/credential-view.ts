import type { CredentialEntity, CredentialStatus, CredentialType } from '@hub/persistence';

/** The only shape the API ever answers for a credential: no secret, no ciphertext, no key id. */
export interface CredentialView {
  id: string;
  type: CredentialType;
  provider: string | null;
  label: string;
  status: CredentialStatus;
  createdAt: string;
  expiresAt?: string;
  /** Why an admin must act (`needs_reauth`): what the provider said and what to do. */
  statusMessage?: string;
  metadata: Record<string, string>;
}

export function toCredentialView(row: CredentialEntity): CredentialView {
  return {
    id: row.id,
    type: row.type,
    provider: row.provider,
    label: row.label,
    status: row.status,
    createdAt: row.createdAt.toISOString(),
    ...(row.expiresAt ? { expiresAt: row.expiresAt.toISOString() } : {}),
    ...(row.statusMessage ? { statusMessage: row.statusMessage } : {}),
    metadata: row.metadata ?? {},
  };
}
