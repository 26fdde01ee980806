/**
 * The closed set of errors a connector may throw. Each carries its retry meaning, so the host
 * never guesses: the queue retries `backoff` and `after` errors and turns `never` errors into
 * BullMQ's UnrecoverableError plus a dead-letter row. Connectors never throw bare `Error`; an
 * unknown error is treated as retryable (a bug should not silently drop data).
 */
export type RetryMeaning = 'never' | 'backoff' | 'after';

export type ConnectorErrorCode =
  | 'VALIDATION_FAILED'
  | 'CONFIGURATION_INVALID'
  | 'AUTH_FAILED'
  | 'RATE_LIMITED'
  | 'RETRYABLE'
  | 'PERMANENT_API_ERROR';

export interface FieldError {
  /** Dotted path of the offending field, `''` for the whole object. */
  path: string;
  message: string;
}

export abstract class ConnectorError extends Error {
  abstract readonly code: ConnectorErrorCode;
  abstract readonly retry: RetryMeaning;
  /** Milliseconds to wait before the next attempt, for `after` errors. */
  readonly retryAfterMs?: number;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }

  toJSON(): { code: ConnectorErrorCode; message: string; retry: RetryMeaning } {
    return { code: this.code, message: this.message, retry: this.retry };
  }
}

/** Input (an action's input, a job payload, an inbound body) is wrong. Retrying cannot help. */
export class ValidationError extends ConnectorError {
  readonly code = 'VALIDATION_FAILED' as const;
  readonly retry = 'never' as const;
  constructor(
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message);
  }
}

/** The installation's settings cannot work (wrong region, missing option). An admin must act. */
export class ConfigurationError extends ConnectorError {
  readonly code = 'CONFIGURATION_INVALID' as const;
  readonly retry = 'never' as const;
}

/**
 * The partner rejected the credentials. The host refreshes OAuth tokens and retries once on its
 * own; reaching the queue means the credential needs an admin (reconnect or new key).
 */
export class AuthError extends ConnectorError {
  readonly code = 'AUTH_FAILED' as const;
  readonly retry = 'never' as const;
}

/** The partner asked us to slow down; retry after `retryAfterMs`. */
export class RateLimitError extends ConnectorError {
  readonly code = 'RATE_LIMITED' as const;
  readonly retry = 'after' as const;
  override readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.retryAfterMs = Math.max(0, Math.round(retryAfterMs));
  }
}

/** A transient fault (timeout, 5xx, connection reset): retry with exponential backoff. */
export class RetryableError extends ConnectorError {
  readonly code = 'RETRYABLE' as const;
  readonly retry = 'backoff' as const;
}

/** The partner refused the request for good (400, 404, 422): dead-letter it with the reason. */
export class PermanentApiError extends ConnectorError {
  readonly code = 'PERMANENT_API_ERROR' as const;
  readonly retry = 'never' as const;
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isConnectorError(err: unknown): err is ConnectorError {
  return err instanceof ConnectorError;
}

/** The retry meaning of anything a connector threw. Unknown errors retry with backoff. */
export function retryMeaningOf(err: unknown): RetryMeaning {
  return isConnectorError(err) ? err.retry : 'backoff';
}

/**
 * Classifies an HTTP status from a partner the way most APIs mean it: 408/425/429/5xx are
 * transient, 401/403 are auth, other 4xx are permanent. Connectors with stricter rules
 * (Segment's 400-vs-200-and-drop) map statuses themselves.
 */
export function errorForHttpStatus(status: number, message: string, retryAfterMs?: number): ConnectorError {
  if (status === 429) return new RateLimitError(message, retryAfterMs ?? 1000);
  if (status === 408 || status === 425 || status >= 500) return new RetryableError(message);
  if (status === 401 || status === 403) return new AuthError(message);
  return new PermanentApiError(message, status);
}

/** Parses a `Retry-After` header (seconds or an HTTP date) into milliseconds. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
