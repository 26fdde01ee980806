import {
  AuthError,
  ConfigurationError,
  PermanentApiError,
  RateLimitError,
  RetryableError,
  ValidationError,
} from '@hub/sdk';
import { decideFailure, errorCodeOf, failureReason } from './failure-policy';
import { PermanentJobError } from './queue.exception';

const first = { attemptsMade: 0, attemptsStarted: 1, maxAttempts: 8 };

describe('decideFailure: SDK retry meanings to BullMQ behaviour', () => {
  it.each([
    ['PermanentApiError', new PermanentApiError('email is invalid', 422), 'PERMANENT_API_ERROR'],
    ['AuthError', new AuthError('the write key was refused'), 'AUTH_FAILED'],
    ['ConfigurationError', new ConfigurationError('region is wrong'), 'CONFIGURATION_INVALID'],
    ['ValidationError', new ValidationError('bad input'), 'VALIDATION_FAILED'],
    ['PermanentJobError', new PermanentJobError('INSTALLATION_DISABLED', 'installation is disabled'), 'INSTALLATION_DISABLED'],
  ])('%s (retry: never) is dead at the first attempt, with its code', (_name, err, code) => {
    expect(decideFailure(err, first)).toEqual({ kind: 'dead', code, reason: err.message, attempts: 1 });
  });

  it('RetryableError backs off while attempts remain', () => {
    expect(decideFailure(new RetryableError('503 from partner'), { attemptsMade: 2, attemptsStarted: 3, maxAttempts: 8 })).toEqual({
      kind: 'retry',
      code: 'RETRYABLE',
      reason: '503 from partner',
    });
  });

  it('the last backoff attempt is dead, counting every attempt', () => {
    const decision = decideFailure(new RetryableError('503 from partner'), { attemptsMade: 7, attemptsStarted: 8, maxAttempts: 8 });
    expect(decision).toEqual({ kind: 'dead', code: 'RETRYABLE', reason: 'Failed after 8 attempts: 503 from partner', attempts: 8 });
  });

  it('an unknown error is retried (a bug must not drop data) and coded UNEXPECTED_ERROR', () => {
    expect(decideFailure(new TypeError('x is undefined'), first)).toMatchObject({ kind: 'retry', code: 'UNEXPECTED_ERROR' });
    expect(decideFailure('a string', { attemptsMade: 0, attemptsStarted: 1, maxAttempts: 1 })).toMatchObject({
      kind: 'dead',
      code: 'UNEXPECTED_ERROR',
      reason: 'Failed after 1 attempts: a string',
    });
  });

  it('RateLimitError is delayed by retryAfterMs and does not consume an attempt', () => {
    expect(decideFailure(new RateLimitError('429', 2500), { attemptsMade: 7, attemptsStarted: 8, maxAttempts: 8 })).toEqual({
      kind: 'delay',
      code: 'RATE_LIMITED',
      reason: '429',
      delayMs: 2500,
    });
  });

  it('a job rate-limited too many times is dead-lettered', () => {
    const decision = decideFailure(new RateLimitError('429', 1000), { attemptsMade: 0, attemptsStarted: 4, maxAttempts: 8 }, {
      maxRateLimitDeferrals: 3,
      defaultRetryAfterMs: 1000,
    });
    expect(decision).toEqual({ kind: 'dead', code: 'RATE_LIMITED', reason: 'Still rate-limited after 3 deferrals: 429', attempts: 1 });
  });

  it('names the fields of a validation error in the reason, and caps long reasons', () => {
    const err = new ValidationError('Input is invalid', [{ path: 'email', message: 'must be an email' }]);
    expect(failureReason(err)).toBe('Input is invalid (email: must be an email)');
    expect(failureReason(new RetryableError('x'.repeat(5000)))).toHaveLength(2000);
    expect(errorCodeOf(new Error('plain'))).toBe('UNEXPECTED_ERROR');
  });
});
