import { isConnectorError, ValidationError } from '@hub/sdk';
import { PermanentJobError } from './queue.exception';

/**
 * What the queue does with a failed attempt. Pure, so the mapping from the SDK's retry meanings
 * to BullMQ behaviour is unit-tested without Redis:
 *
 * - `never`   -> `dead`: UnrecoverableError (no further attempt) plus a dead-letter row;
 * - `after`   -> `delay`: the job goes back to "delayed" for `retryAfterMs` without consuming an
 *                attempt (the partner told us when to come back; that is not a failure of ours);
 * - `backoff` -> `retry`: rethrow, BullMQ's exponential backoff schedules the next attempt,
 *                and the last attempt becomes `dead`.
 */
export type FailureDecision =
  | { kind: 'retry'; code: string; reason: string }
  | { kind: 'delay'; code: string; reason: string; delayMs: number }
  | { kind: 'dead'; code: string; reason: string; attempts: number };

export interface AttemptState {
  /** Attempts that ended in failure before this one (BullMQ `job.attemptsMade`). */
  attemptsMade: number;
  /** Times the job was started, rate-limit deferrals included (BullMQ `job.attemptsStarted`). */
  attemptsStarted: number;
  /** The job's `attempts` option. */
  maxAttempts: number;
}

export interface FailurePolicyOptions {
  /**
   * A partner that keeps answering 429 must not hold a job forever: after this many deferrals
   * the job is dead-lettered (it can be replayed once the partner's quota is back).
   */
  maxRateLimitDeferrals: number;
  /** Used when a RateLimitError carries no usable delay. */
  defaultRetryAfterMs: number;
}

export const DEFAULT_FAILURE_POLICY: FailurePolicyOptions = { maxRateLimitDeferrals: 50, defaultRetryAfterMs: 1000 };

const MAX_REASON = 2000;

export function errorCodeOf(err: unknown): string {
  if (isConnectorError(err) || err instanceof PermanentJobError) return err.code;
  return 'UNEXPECTED_ERROR';
}

/** A sentence for the dead-letter row; validation errors list their fields. */
export function failureReason(err: unknown): string {
  let reason = err instanceof Error ? err.message : String(err);
  if (err instanceof ValidationError && err.fields.length) {
    reason += ` (${err.fields.map((f) => `${f.path || '(input)'}: ${f.message}`).join('; ')})`;
  }
  reason = reason.trim() || (err instanceof Error ? err.name : 'Unknown error');
  return reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason;
}

export function decideFailure(
  err: unknown,
  state: AttemptState,
  options: FailurePolicyOptions = DEFAULT_FAILURE_POLICY,
): FailureDecision {
  const code = errorCodeOf(err);
  const reason = failureReason(err);
  const thisAttempt = state.attemptsMade + 1;
  const meaning = isConnectorError(err) ? err.retry : err instanceof PermanentJobError ? err.retry : 'backoff';

  if (meaning === 'never') return { kind: 'dead', code, reason, attempts: thisAttempt };

  if (meaning === 'after') {
    // Every start that did not end in a recorded attempt was a deferral (or a stalled restart).
    const deferrals = Math.max(0, state.attemptsStarted - thisAttempt);
    if (deferrals >= options.maxRateLimitDeferrals) {
      return {
        kind: 'dead',
        code,
        reason: `Still rate-limited after ${deferrals} deferrals: ${reason}`,
        attempts: thisAttempt,
      };
    }
    const retryAfter = isConnectorError(err) ? err.retryAfterMs : undefined;
    const delayMs =
      typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0
        ? Math.round(retryAfter)
        : options.defaultRetryAfterMs;
    return { kind: 'delay', code, reason, delayMs };
  }

  if (thisAttempt >= state.maxAttempts) {
    return { kind: 'dead', code, reason: `Failed after ${thisAttempt} attempts: ${reason}`, attempts: thisAttempt };
  }
  return { kind: 'retry', code, reason };
}
