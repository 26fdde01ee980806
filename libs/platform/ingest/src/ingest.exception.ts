import { HttpStatus } from '@nestjs/common';
import { ApiError } from '@hub/http';

/** Codes of the ingestion edge's answers (API.md error shape: every one carries a `message`). */
export enum IngestErrorCode {
  InvalidKey = 'INBOUND_KEY_INVALID',
  InstallationDisabled = 'INSTALLATION_DISABLED',
  InstallationMisconfigured = 'INSTALLATION_NEEDS_ATTENTION',
  MalformedBody = 'MALFORMED_BODY',
  PayloadTooLarge = 'PAYLOAD_TOO_LARGE',
  UnsupportedMediaType = 'UNSUPPORTED_MEDIA_TYPE',
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  RouteFailed = 'INBOUND_ROUTE_FAILED',
  InstallationNotFound = 'INSTALLATION_NOT_FOUND',
  KeyNotDeclared = 'INBOUND_KEY_UNKNOWN',
  InvalidCursor = 'INVALID_CURSOR',
}

export const IngestErrors = {
  invalidKey: (detail = 'send the key the hub issued for this installation') =>
    new ApiError(HttpStatus.UNAUTHORIZED, IngestErrorCode.InvalidKey, `Missing or unknown inbound key: ${detail}`),
  disabled: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      IngestErrorCode.InstallationDisabled,
      'The installation is disabled in the hub: enable it to receive events',
    ),
  misconfigured: () =>
    new ApiError(
      HttpStatus.FORBIDDEN,
      IngestErrorCode.InstallationMisconfigured,
      'The installation needs attention in the hub (its settings no longer validate)',
    ),
  malformed: (message: string) => new ApiError(HttpStatus.BAD_REQUEST, IngestErrorCode.MalformedBody, message),
  tooLarge: (message: string) => new ApiError(HttpStatus.PAYLOAD_TOO_LARGE, IngestErrorCode.PayloadTooLarge, message),
  unavailable: () =>
    new ApiError(
      HttpStatus.SERVICE_UNAVAILABLE,
      IngestErrorCode.DatabaseUnavailable,
      'The hub cannot store events right now; nothing was kept, retry shortly',
    ),
  routeFailed: () =>
    new ApiError(HttpStatus.INTERNAL_SERVER_ERROR, IngestErrorCode.RouteFailed, 'The connector failed to read the request; see the hub logs'),
};

/** Postgres refused or could not be reached while storing: the sender must retry (503). */
export class InboxUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`the inbox could not be written: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'InboxUnavailableError';
  }
}

/** The emitted events break the per-request limits (`batchLimits`): refused whole, 413. */
export class InboundLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InboundLimitError';
  }
}
