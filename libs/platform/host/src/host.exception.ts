/** Codes of the errors the host's API answers with (API.md error shape). */
export enum HostErrorCode {
  ConnectorNotFound = 'CONNECTOR_NOT_FOUND',
  ConnectorUnknown = 'CONNECTOR_UNKNOWN',
  ConnectorUnavailable = 'CONNECTOR_UNAVAILABLE',
  InstallationNotFound = 'INSTALLATION_NOT_FOUND',
  InstallationDisabled = 'INSTALLATION_DISABLED',
  ActionNotFound = 'ACTION_NOT_FOUND',
  JobNotFound = 'JOB_NOT_FOUND',
  CheckFailed = 'CHECK_FAILED',
  CredentialNotFound = 'CREDENTIAL_NOT_FOUND',
  CredentialTypeMismatch = 'CREDENTIAL_TYPE_MISMATCH',
  InvalidCursor = 'INVALID_CURSOR',
  SecretsUnreadable = 'SECRETS_UNREADABLE',
  InvalidPayload = 'INVALID_PAYLOAD',
}

/** Boot-time: the catalog handed to HostModule.forRoot is not acceptable. */
export class ConnectorRegistryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectorRegistryError';
  }
}

/** Worker-time: the installation a job names was deleted; the job has nothing left to do. */
export class InstallationGoneError extends Error {
  constructor(readonly installationId: string) {
    super(`installation ${installationId} no longer exists`);
    this.name = 'InstallationGoneError';
  }
}
