import {
  AuthError,
  ConfigurationError,
  type ConnectorError,
  parseRetryAfter,
  PermanentApiError,
  RateLimitError,
  RetryableError,
} from '@hub/sdk';
import { NonPublicAddressError } from './transport/address-policy';
import { TargetMismatchError } from './transport/guarded-request';

/** A non-2xx answer of the Tracking API, thrown by our HTTP client so nothing is silently "delivered". */
export class SegmentHttpError extends Error {
  constructor(
    readonly status: number,
    readonly retryAfterMs: number | undefined,
    readonly detail: string,
    readonly location?: string,
  ) {
    super(`Segment answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.name = 'SegmentHttpError';
  }
}

/** When Segment says 429 without Retry-After, wait this long (its documented window is per second). */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 5_000;

/**
 * The retry table (README "Retry table"). Segment's own rules (PROTOCOLS.md) decide:
 *
 * | answer                         | meaning for the hub                                      |
 * | ------------------------------ | -------------------------------------------------------- |
 * | 2xx                            | sent                                                     |
 * | 3xx                            | ConfigurationError: a redirect is never followed          |
 * | 400, 413, 422 and other 4xx    | PermanentApiError: dead-lettered, replayable              |
 * | 401, 403                       | AuthError: dead-lettered, installation needs attention    |
 * | 408, 410, 460, 5xx (not 501/505) | RetryableError: queue backoff                          |
 * | 501, 505                       | PermanentApiError                                          |
 * | 429                            | RateLimitError(Retry-After): delayed, no attempt spent     |
 * | network error, timeout         | RetryableError                                             |
 * | non-public address, off-target | ConfigurationError: nothing was sent                       |
 */
export function errorForSegmentFailure(err: unknown, where: string): ConnectorError {
  if (err instanceof SegmentHttpError) return errorForStatus(err.status, err.retryAfterMs, `${where} answered HTTP ${err.status}${err.detail ? `: ${err.detail}` : ''}`, err.location);
  if (err instanceof NonPublicAddressError || err instanceof TargetMismatchError) {
    return new ConfigurationError(`Nothing was sent to ${where}: ${err.message}`);
  }
  const e = err as { message?: string; code?: string; cause?: { code?: string; message?: string } };
  const code = e?.code ?? e?.cause?.code;
  const message = e?.message ?? String(err);
  return new RetryableError(`Could not reach ${where}${code ? ` (${code})` : ''}: ${message}`);
}

export function errorForStatus(status: number, retryAfterMs: number | undefined, message: string, location?: string): ConnectorError {
  if (status === 429) return new RateLimitError(message, retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS);
  if (status >= 300 && status < 400) {
    return new ConfigurationError(
      `${message}; it redirects${location ? ` to ${location.slice(0, 200)}` : ''}, and the hub never follows redirects. Check the region (or the custom endpoint).`,
    );
  }
  if (status === 401 || status === 403) {
    return new AuthError(`${message}. Segment refused the write key: copy it again from the source's settings (API Keys) and save it.`);
  }
  if (status === 408 || status === 410 || status === 460) return new RetryableError(message);
  if (status >= 500 && status !== 501 && status !== 505) return new RetryableError(message);
  return new PermanentApiError(message, status);
}

export function retryAfterOf(headers: Record<string, string>): number | undefined {
  return parseRetryAfter(headers['retry-after']);
}
