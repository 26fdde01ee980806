import { PermanentApiError, RateLimitError, RetryableError } from '@hub/sdk';
import { DelayedError, type Job, UnrecoverableError, WaitingError } from 'bullmq';
import { DEAD_LETTER_RETRY_DELAY_MS, type NewDeadLetter, returnToQueue, settleFailedAttempt } from './job-failure';

const WS = '11111111-1111-4111-8111-111111111111';
const INST = '22222222-2222-4222-8222-222222222222';

/** A stand-in for an active BullMQ job: records what the settlement asked of it. */
function fakeJob(over: Partial<{ attemptsMade: number; attemptsStarted: number; attempts: number; data: unknown }> = {}) {
  const calls: { moveToDelayed: [number, string | undefined][]; moveToWait: (string | undefined)[] } = { moveToDelayed: [], moveToWait: [] };
  const job = {
    name: 'action:send',
    queueName: 'connector-test',
    data: over.data ?? { workspaceId: WS, installationId: INST, actionKey: 'send', input: { a: 1 } },
    attemptsMade: over.attemptsMade ?? 0,
    attemptsStarted: over.attemptsStarted ?? 1,
    opts: { attempts: over.attempts ?? 3 },
    moveToDelayed: async (ts: number, token?: string) => void calls.moveToDelayed.push([ts, token]),
    moveToWait: async (token?: string) => void calls.moveToWait.push(token),
  };
  return { job: job as unknown as Job, calls };
}

function recorder(result: boolean | Error = true) {
  const rows: NewDeadLetter[] = [];
  return {
    rows,
    async record(entry: NewDeadLetter) {
      if (result instanceof Error) throw result;
      rows.push(entry);
      return result;
    },
  };
}

describe('settleFailedAttempt', () => {
  it('permanent error: UnrecoverableError and one dead-letter row with code, reason and payload', async () => {
    const { job, calls } = fakeJob();
    const dl = recorder();
    await expect(settleFailedAttempt(job, 'tok', new PermanentApiError('email is invalid', 422), dl)).rejects.toThrow(UnrecoverableError);
    expect(dl.rows).toEqual([
      {
        workspaceId: WS,
        installationId: INST,
        queue: 'connector-test',
        jobName: 'action:send',
        payload: job.data,
        errorCode: 'PERMANENT_API_ERROR',
        reason: 'email is invalid',
        attempts: 1,
      },
    ]);
    expect(calls.moveToDelayed).toEqual([]);
  });

  it('retryable error with attempts left: rethrows the original error for BullMQ backoff', async () => {
    const { job } = fakeJob({ attemptsMade: 0 });
    const dl = recorder();
    const err = new RetryableError('timeout');
    await expect(settleFailedAttempt(job, 'tok', err, dl)).rejects.toBe(err);
    expect(dl.rows).toEqual([]);
  });

  it('retryable error on the last attempt: dead letter', async () => {
    const { job } = fakeJob({ attemptsMade: 2, attemptsStarted: 3, attempts: 3 });
    const dl = recorder();
    await expect(settleFailedAttempt(job, 'tok', new RetryableError('timeout'), dl)).rejects.toThrow(UnrecoverableError);
    expect(dl.rows[0]).toMatchObject({ errorCode: 'RETRYABLE', attempts: 3, reason: 'Failed after 3 attempts: timeout' });
  });

  it('rate limit: moves the job to delayed at now + retryAfterMs with the worker token, then DelayedError', async () => {
    const { job, calls } = fakeJob();
    const before = Date.now();
    await expect(settleFailedAttempt(job, 'tok-1', new RateLimitError('slow down', 1500), recorder())).rejects.toThrow(DelayedError);
    expect(calls.moveToDelayed).toHaveLength(1);
    const [ts, token] = calls.moveToDelayed[0];
    expect(token).toBe('tok-1');
    expect(ts).toBeGreaterThanOrEqual(before + 1500);
    expect(ts).toBeLessThanOrEqual(Date.now() + 1500);
  });

  it('keeps the job (delayed) when the dead letter cannot be written', async () => {
    const { job, calls } = fakeJob();
    await expect(settleFailedAttempt(job, 'tok', new PermanentApiError('no'), recorder(new Error('db down')))).rejects.toThrow(DelayedError);
    expect(calls.moveToDelayed[0][0]).toBeGreaterThanOrEqual(Date.now() + DEAD_LETTER_RETRY_DELAY_MS - 1000);
  });

  it('fails for good without a row when the payload names no workspace', async () => {
    const { job } = fakeJob({ data: { workspaceId: 'nope' } });
    const dl = recorder();
    await expect(settleFailedAttempt(job, 'tok', new PermanentApiError('no'), dl)).rejects.toThrow(UnrecoverableError);
    expect(dl.rows).toEqual([]);
  });

  it('returnToQueue moves the job back to wait and throws WaitingError', async () => {
    const { job, calls } = fakeJob();
    await expect(returnToQueue(job, 'tok')).rejects.toThrow(WaitingError);
    expect(calls.moveToWait).toEqual(['tok']);
  });
});
