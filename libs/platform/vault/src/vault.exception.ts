import { ApiError } from '@hub/http';

/** Codes the vault's API and services answer with (API.md error shape). */
export enum VaultErrorCode {
  CredentialNotFound = 'CREDENTIAL_NOT_FOUND',
  CredentialIntegrityFailed = 'CREDENTIAL_INTEGRITY_FAILED',
  CredentialNeedsReauth = 'CREDENTIAL_NEEDS_REAUTH',
  CredentialInUse = 'CREDENTIAL_IN_USE',
  CredentialRefreshFailed = 'CREDENTIAL_REFRESH_FAILED',
  InvalidCursor = 'INVALID_CURSOR',
  OAuthStateInvalid = 'OAUTH_STATE_INVALID',
  OAuthCodeRejected = 'OAUTH_CODE_REJECTED',
  OAuthDenied = 'OAUTH_DENIED',
}

export const VaultErrors = {
  credentialNotFound: () => ApiError.notFound('Credential', VaultErrorCode.CredentialNotFound),
  credentialInUse: (installations: number) =>
    ApiError.conflict(
      VaultErrorCode.CredentialInUse,
      `Credential is used by ${installations} installation(s); point them at another credential or delete them first`,
    ),
  invalidCursor: (message: string) => ApiError.badRequest(VaultErrorCode.InvalidCursor, message),
};

/**
 * Run time (the host resolving a connector's credentials): the credential was marked
 * `needs_reauth` (e.g. the provider answered `invalid_grant`); an admin must reconnect it.
 */
export class CredentialNeedsReauthError extends Error {
  readonly code = VaultErrorCode.CredentialNeedsReauth;
  constructor(readonly credentialId: string) {
    super(`credential ${credentialId} must be reconnected by an admin (the provider refused its tokens)`);
    this.name = 'CredentialNeedsReauthError';
  }
}

/** Run time: the credential an installation names no longer exists in its workspace. */
export class CredentialNotFoundError extends Error {
  readonly code = VaultErrorCode.CredentialNotFound;
  constructor(readonly credentialId: string) {
    super(`credential ${credentialId} does not exist in this workspace`);
    this.name = 'CredentialNotFoundError';
  }
}

/**
 * Run time: the tokens could not be refreshed. `retryable` when the provider was unreachable or
 * answered 5xx/429 (try the run again later); otherwise an operator or admin must act (the
 * provider's client is not configured, the provider rejects freshly issued tokens, ...).
 */
export class CredentialRefreshError extends Error {
  readonly code = VaultErrorCode.CredentialRefreshFailed;
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'CredentialRefreshError';
  }
}
