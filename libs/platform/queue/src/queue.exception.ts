import { ApiError } from '@hub/http';

export enum QueueErrorCode {
  QueueUnavailable = 'QUEUE_UNAVAILABLE',
  QueueUnknown = 'QUEUE_UNKNOWN',
  DeadLetterNotFound = 'DEAD_LETTER_NOT_FOUND',
}

/** Redis did not take the job: the caller gets a 503 and may retry; nothing was enqueued twice. */
export class QueueUnavailableError extends ApiError {
  constructor(cause?: unknown) {
    super(503, QueueErrorCode.QueueUnavailable, 'The job queue (Redis) is unavailable; retry shortly');
    if (cause !== undefined) (this as { cause?: unknown }).cause = cause;
  }
}

/**
 * A failure decided by the host, not the connector (installation disabled, payload invalid,
 * secrets unreadable): retrying cannot help, so the job is dead-lettered with this code.
 */
export class PermanentJobError extends Error {
  readonly retry = 'never' as const;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}
