import { DelayedError, type Job, UnrecoverableError, WaitingError } from 'bullmq';
import { decideFailure, DEFAULT_FAILURE_POLICY, type FailureDecision, type FailurePolicyOptions } from './failure-policy';

/** A dead-letter row to write: the job's payload (ids, plus an action's input) and why it died. */
export interface NewDeadLetter {
  workspaceId: string;
  installationId: string | null;
  queue: string;
  jobName: string;
  payload: Record<string, unknown>;
  errorCode: string;
  reason: string;
  attempts: number;
}

export interface DeadLetterRecorder {
  /** Resolves `false` when the row cannot exist any more (its workspace or installation is gone). */
  record(entry: NewDeadLetter): Promise<boolean>;
}

/** If Postgres cannot take the dead letter, the job waits in Redis and is tried again later. */
export const DEAD_LETTER_RETRY_DELAY_MS = 30_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Applies `decideFailure` to a BullMQ job from inside its processor and always throws: the thrown
 * error is what tells the worker what to do.
 *
 * Rate limits use `job.moveToDelayed(ts, token)` + `DelayedError` (BullMQ's documented way to
 * delay an active job), not `queue.rateLimit()` + `Worker.RateLimitError()`: a queue holds one
 * connector's jobs for every workspace, and one tenant's 429 must not pause everyone else's.
 * `moveToDelayed` skips the attempt counter, so a deferral does not eat a retry.
 */
export async function settleFailedAttempt(
  job: Job,
  token: string | undefined,
  err: unknown,
  deadLetters: DeadLetterRecorder,
  options: FailurePolicyOptions = DEFAULT_FAILURE_POLICY,
): Promise<never> {
  const decision: FailureDecision = decideFailure(
    err,
    { attemptsMade: job.attemptsMade, attemptsStarted: job.attemptsStarted, maxAttempts: job.opts.attempts ?? 1 },
    options,
  );
  switch (decision.kind) {
    case 'retry':
      throw err instanceof Error ? err : new Error(decision.reason);
    case 'delay':
      await job.moveToDelayed(Date.now() + decision.delayMs, token);
      throw new DelayedError(`rate limited: retrying in ${decision.delayMs} ms`);
    case 'dead': {
      const data = (job.data ?? {}) as Record<string, unknown>;
      const workspaceId = typeof data.workspaceId === 'string' && UUID.test(data.workspaceId) ? data.workspaceId : null;
      const installationId =
        typeof data.installationId === 'string' && UUID.test(data.installationId) ? data.installationId : null;
      if (workspaceId) {
        let recorded: boolean;
        try {
          recorded = await deadLetters.record({
            workspaceId,
            installationId,
            queue: job.queueName,
            jobName: job.name,
            payload: data,
            errorCode: decision.code,
            reason: decision.reason,
            attempts: decision.attempts,
          });
        } catch {
          // Losing the failure silently is worse than running the job once more later.
          await job.moveToDelayed(Date.now() + DEAD_LETTER_RETRY_DELAY_MS, token);
          throw new DelayedError('could not record the dead letter; the job will be tried again');
        }
        if (!recorded) throw new UnrecoverableError(`${decision.code}: ${decision.reason} (installation no longer exists)`);
      }
      throw new UnrecoverableError(`${decision.code}: ${decision.reason}`);
    }
  }
}

/** Reason passed to `worker.cancelAllJobs()` when a draining worker runs out of time. */
export const WORKER_SHUTDOWN_REASON = 'hub:worker-shutdown';

export function isShutdownAbort(signal: AbortSignal | undefined): boolean {
  return !!signal?.aborted && signal.reason === WORKER_SHUTDOWN_REASON;
}

/**
 * Puts an interrupted job back in "wait" without counting an attempt, so another worker picks it
 * up at once instead of waiting for the stalled-job checker (at-least-once: it runs again).
 */
export async function returnToQueue(job: Job, token: string | undefined): Promise<never> {
  await job.moveToWait(token);
  throw new WaitingError('worker shutting down: job returned to the queue');
}
