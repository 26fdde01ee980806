import { Injectable } from '@nestjs/common';
import { jobSchedulerId, QueueRegistry, scheduledJobName, type ScheduledJobData } from '@hub/queue';
import type { JobSchedulerJson } from 'bullmq';
import type { RegisteredConnector } from './connector-registry';

/**
 * BullMQ job schedulers for the scheduled jobs of enabled installations. They live in Redis, so
 * they are correct with any number of admin and worker replicas: the scheduler id is
 * `<installationId>:<jobKey>`, enabling twice upserts the same one, and exactly one job per tick
 * is produced whichever worker takes it.
 */
@Injectable()
export class JobSchedules {
  constructor(private readonly queues: QueueRegistry) {}

  async register(connector: RegisteredConnector, workspaceId: string, installationId: string): Promise<void> {
    const queue = this.queues.get(connector.queueName);
    const defaults = this.queues.defaultJobOptions;
    for (const [jobKey, job] of Object.entries(connector.definition.jobs ?? {})) {
      const id = jobSchedulerId(installationId, jobKey);
      const schedule = job.schedule;
      if (!schedule) {
        // A job that lost its schedule in a newer connector version must stop firing.
        await this.queues.produce(() => queue.removeJobScheduler(id));
        continue;
      }
      const data: ScheduledJobData = { workspaceId, installationId, jobKey };
      await this.queues.produce(() =>
        queue.upsertJobScheduler(
          id,
          'everyMs' in schedule ? { every: schedule.everyMs } : { pattern: schedule.cron, tz: 'UTC' },
          {
            name: scheduledJobName(jobKey),
            data,
            opts: {
              attempts: job.retry?.attempts ?? defaults.attempts,
              backoff: job.retry ? { type: 'exponential', delay: job.retry.backoffMs, jitter: 0.2 } : defaults.backoff,
              removeOnComplete: defaults.removeOnComplete,
              removeOnFail: defaults.removeOnFail,
            },
          },
        ),
      );
    }
  }

  /**
   * Removes the installation's schedulers. With the connector known, its job keys name them;
   * otherwise (connector gone from the catalog) the queue's schedulers are searched by prefix.
   */
  async remove(queueName: string, installationId: string, jobKeys?: string[]): Promise<void> {
    const queue = this.queues.get(queueName);
    let ids: string[];
    if (jobKeys) {
      ids = jobKeys.map((key) => jobSchedulerId(installationId, key));
    } else {
      const all = await this.queues.produce(() => queue.getJobSchedulers(0, -1));
      ids = all.map((s) => s.key).filter((key) => key.startsWith(`${installationId}:`));
    }
    for (const id of ids) await this.queues.produce(() => queue.removeJobScheduler(id));
  }

  async list(queueName: string, installationId: string): Promise<JobSchedulerJson[]> {
    const all = await this.queues.produce(() => this.queues.get(queueName).getJobSchedulers(0, -1));
    return all.filter((s) => s.key.startsWith(`${installationId}:`));
  }
}
