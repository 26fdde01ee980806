import type { Worker } from 'bullmq';
import { WORKER_SHUTDOWN_REASON } from './job-failure';

export interface DrainLogger {
  warn(message: unknown): void;
}

export interface DrainResult {
  /** Every in-flight job finished on its own within the timeout. */
  drained: boolean;
  /** Workers whose jobs were cancelled at the deadline (processors return them to the queue). */
  cancelled: string[];
  /** Workers still busy after the grace period, left behind (the stalled checker recovers their jobs). */
  abandoned: string[];
}

const sleep = (ms: number) => new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), ms).unref());

/**
 * SIGTERM drain (QUALITY.md "SIGTERM drains"): stop taking jobs and let in-flight ones finish.
 * At `timeoutMs - graceMs` the remaining jobs are aborted with WORKER_SHUTDOWN_REASON, which the
 * processors answer by moving the job back to "wait" (they race the connector's promise against
 * the signal, so a connector that ignores it does not hold them). A worker still busy after the
 * grace period (Redis unreachable, say) is left behind so the process exits before the
 * orchestrator's SIGKILL; BullMQ's `close(true)` cannot help there, since a second `close()`
 * returns the first one's promise.
 */
export async function drainWorkers(
  workers: Worker[],
  timeoutMs: number,
  logger: DrainLogger,
  graceMs = Math.min(5000, Math.floor(timeoutMs / 4)),
): Promise<DrainResult> {
  const open = new Set(workers);
  const closing = Promise.all(
    workers.map((w) =>
      w.close().then(
        () => open.delete(w),
        () => open.delete(w),
      ),
    ),
  );
  const closed = closing.then(() => 'closed' as const);
  if ((await Promise.race([closed, sleep(Math.max(0, timeoutMs - graceMs))])) === 'closed') {
    return { drained: true, cancelled: [], abandoned: [] };
  }
  const cancelled = [...open].map((w) => w.name);
  for (const worker of open) worker.cancelAllJobs(WORKER_SHUTDOWN_REASON);
  logger.warn({ msg: 'shutdown timeout reached: returning in-flight jobs to their queues', queues: cancelled });
  if ((await Promise.race([closed, sleep(graceMs)])) === 'closed') {
    return { drained: false, cancelled, abandoned: [] };
  }
  const abandoned = [...open].map((w) => w.name);
  logger.warn({ msg: 'workers did not close in time; their jobs will be recovered as stalled', queues: abandoned });
  return { drained: false, cancelled, abandoned };
}
