import { Injectable, Logger } from '@nestjs/common';
import {
  DeadLettersService,
  failureReason,
  isShutdownAbort,
  parseJobName,
  PermanentJobError,
  returnToQueue,
  settleFailedAttempt,
} from '@hub/queue';
import { AuthError, ConfigurationError } from '@hub/sdk';
import { InstallationEntity, JobRunEntity } from '@hub/persistence';
import { type Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { ConnectorRunner, type PreparedInstallation } from './connector-runner.service';
import { HostErrorCode, InstallationGoneError } from './host.exception';
import { JobSchedules } from './job-schedules.service';

const ids = { workspaceId: z.uuid(), installationId: z.uuid() };
const actionData = z.object({ ...ids, actionKey: z.string(), input: z.unknown() });
const scheduledData = z.object({ ...ids, jobKey: z.string(), payload: z.unknown().optional() });

/**
 * The ids and data of a job, or why the payload is unusable: ids must be UUIDs and the key in
 * the payload must be the one in the job name (a job cannot run another action than it says).
 */
function readPayload(
  kind: 'action' | 'job',
  key: string,
  raw: unknown,
): { workspaceId: string; installationId: string; data: unknown } | string {
  if (kind === 'action') {
    const parsed = actionData.safeParse(raw);
    if (!parsed.success) return describeIssues(parsed.error);
    if (parsed.data.actionKey !== key) return `payload names "${parsed.data.actionKey}" but the job is "action:${key}"`;
    return { ...parsed.data, data: parsed.data.input };
  }
  const parsed = scheduledData.safeParse(raw);
  if (!parsed.success) return describeIssues(parsed.error);
  if (parsed.data.jobKey !== key) return `payload names "${parsed.data.jobKey}" but the job is "job:${key}"`;
  return { ...parsed.data, data: parsed.data.payload };
}

const describeIssues = (error: z.ZodError) => error.issues.map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`).join('; ');

/** What a job stores as its BullMQ return value: a marker, never the connector's output (personal data). */
type Outcome = { ok: true } | { skipped: string };

/**
 * Processes every job of the connector queues (one BullMQ `Worker` per queue calls `process`):
 * `action:<key>` runs an action, `job:<key>` runs a scheduled job with its checkpoint and a
 * `job_runs` row. Failures go through the queue's failure policy (retry, delay, dead letter).
 */
@Injectable()
export class ConnectorJobsProcessor {
  private readonly logger = new Logger('ConnectorJobs');

  constructor(
    private readonly runner: ConnectorRunner,
    private readonly deadLetters: DeadLettersService,
    private readonly schedules: JobSchedules,
    private readonly dataSource: DataSource,
  ) {}

  async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<Outcome> {
    const name = parseJobName(job.name);
    if (!name) throw new UnrecoverableError(`Unknown job name "${job.name}"; expected action:<key> or job:<key>`);
    const payload = readPayload(name.kind, name.key, job.data);
    if (typeof payload === 'string') {
      return settleFailedAttempt(job, token, new PermanentJobError(HostErrorCode.InvalidPayload, `Invalid job payload: ${payload}`), this.deadLetters);
    }
    const { workspaceId, installationId } = payload;
    const base = { workspaceId, installationId, queue: job.queueName, jobId: job.id, jobName: job.name };

    let prepared: PreparedInstallation;
    try {
      prepared = await this.runner.prepare(workspaceId, installationId);
    } catch (err) {
      if (err instanceof InstallationGoneError) {
        this.logger.log({ msg: 'installation deleted: job dropped', ...base });
        if (name.kind === 'job') await this.removeOrphanScheduler(workspaceId, installationId, job.queueName, name.key);
        return { skipped: 'installation deleted' };
      }
      await this.flagIfInstallationProblem(workspaceId, installationId, err);
      return settleFailedAttempt(job, token, err, this.deadLetters);
    }

    if (name.kind === 'job' && !prepared.installation.enabled) {
      // A tick that raced a disable; removing the scheduler again also heals a failed removal.
      await this.removeOrphanScheduler(workspaceId, installationId, job.queueName, name.key);
      return { skipped: 'installation disabled' };
    }
    if (name.kind === 'action' && !prepared.installation.enabled) {
      return settleFailedAttempt(
        job,
        token,
        new PermanentJobError(HostErrorCode.InstallationDisabled, 'The installation was disabled before this action ran; enable it, then replay'),
        this.deadLetters,
      );
    }

    const runSignal = signal ?? new AbortController().signal;
    if (name.kind === 'action') {
      try {
        await this.runner.runAction(prepared, name.key, payload.data, {
          runId: `${job.queueName}/${job.id}`,
          signal: runSignal,
        });
        return { ok: true };
      } catch (err) {
        if (isShutdownAbort(signal)) return returnToQueue(job, token);
        this.logger.warn({ msg: 'action failed', ...base, attempt: job.attemptsMade + 1, error: failureReason(err) });
        await this.flagIfInstallationProblem(workspaceId, installationId, err);
        return settleFailedAttempt(job, token, err, this.deadLetters);
      }
    }

    const run = await this.dataSource.getRepository(JobRunEntity).save({
      workspaceId,
      installationId,
      jobKey: name.key,
      bullJobId: String(job.id),
      status: 'running',
      attempt: job.attemptsMade + 1,
      error: null,
      finishedAt: null,
    });
    const finish = (status: 'succeeded' | 'failed', error: string | null) =>
      this.dataSource.getRepository(JobRunEntity).update({ id: run.id, workspaceId }, { status, error, finishedAt: new Date() });
    try {
      await this.runner.runJob(prepared, name.key, payload.data, { runId: run.id, signal: runSignal });
      await finish('succeeded', null);
      return { ok: true };
    } catch (err) {
      const shutdown = isShutdownAbort(signal);
      await finish('failed', shutdown ? 'Interrupted by a worker shutdown; returned to the queue' : failureReason(err)).catch(() => undefined);
      if (shutdown) return returnToQueue(job, token);
      this.logger.warn({ msg: 'job failed', ...base, runId: run.id, attempt: job.attemptsMade + 1, error: failureReason(err) });
      await this.flagIfInstallationProblem(workspaceId, installationId, err);
      return settleFailedAttempt(job, token, err, this.deadLetters);
    }
  }

  /**
   * Removes the scheduler of a disabled or deleted installation, under the installation's row
   * lock (the one enable/disable take), and only if it is still not enabled: a concurrent
   * re-enable must not lose its fresh scheduler to this clean-up.
   */
  private async removeOrphanScheduler(workspaceId: string, installationId: string, queueName: string, jobKey: string): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const row = await manager.findOne(InstallationEntity, {
          where: { id: installationId, workspaceId },
          lock: { mode: 'pessimistic_write' },
        });
        if (row?.enabled) return;
        await this.schedules.remove(queueName, installationId, [jobKey]);
      });
    } catch (err) {
      this.logger.warn({ msg: 'could not remove an orphaned scheduler', installationId, jobKey, err: (err as Error).message });
    }
  }

  /**
   * A rejected credential or unusable settings is the installation's problem, not one record's:
   * the admin sees it as `needs_attention` with the reason, not only as a pile of dead letters.
   */
  private async flagIfInstallationProblem(workspaceId: string, installationId: string, err: unknown): Promise<void> {
    const installationProblem =
      err instanceof AuthError ||
      err instanceof ConfigurationError ||
      (err instanceof PermanentJobError && [HostErrorCode.SecretsUnreadable, HostErrorCode.ConnectorUnavailable].includes(err.code as HostErrorCode));
    if (!installationProblem) return;
    await this.dataSource
      .getRepository(InstallationEntity)
      .update({ id: installationId, workspaceId, enabled: true }, { status: 'needs_attention', statusMessage: failureReason(err) })
      .catch((e: Error) => this.logger.warn({ msg: 'could not flag installation', installationId, err: e.message }));
  }
}
