import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { QueueRegistry } from '@hub/queue';
import { DataSource } from 'typeorm';
import {
  drainDeduplicationId,
  drainJobOptions,
  DRAIN_INBOX_JOB,
  INGEST_QUEUE,
  RELAY_INBOX_JOB,
  RETAIN_INBOX_JOB,
} from '../ingest-queue';

export const RELAY_SCHEDULER_ID = 'inbox-relay';
export const RETENTION_SCHEDULER_ID = 'inbox-retention';
export const RETENTION_EVERY_MS = 10 * 60_000;

/** Workspaces per relay run; the next run takes the rest. */
const RELAY_MAX_WORKSPACES = 1000;

/**
 * Redis is the dispatcher, Postgres the store (DESIGN.md): when a drain job is lost (Redis
 * flushed or failed over, a worker killed before its job was recorded), the inbox rows stay
 * pending, and this relay, a BullMQ job scheduler running every HUB_INBOX_RELAY_INTERVAL_MS,
 * enqueues `drain-inbox` for every workspace with rows pending longer than that interval.
 */
@Injectable()
export class InboxRelay {
  private readonly logger = new Logger('InboxRelay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly queues: QueueRegistry,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  get intervalMs(): number {
    return this.config.HUB_INBOX_RELAY_INTERVAL_MS;
  }

  /**
   * Upserts the relay and retention schedulers. Idempotent and safe from every replica; the
   * worker calls it at boot and again periodically, because a Redis that lost jobs may have lost
   * the schedulers with them.
   */
  async schedule(): Promise<void> {
    const queue = this.queues.get(INGEST_QUEUE);
    const opts = { attempts: 1, removeOnComplete: true, removeOnFail: 100 };
    await this.queues.produce(() =>
      Promise.all([
        queue.upsertJobScheduler(RELAY_SCHEDULER_ID, { every: this.intervalMs }, { name: RELAY_INBOX_JOB, data: {}, opts }),
        queue.upsertJobScheduler(RETENTION_SCHEDULER_ID, { every: RETENTION_EVERY_MS }, { name: RETAIN_INBOX_JOB, data: {}, opts }),
      ]),
    );
  }

  async run(): Promise<{ workspaces: number }> {
    const rows = (await this.dataSource.query(
      `SELECT workspace_id AS "workspaceId" FROM inbox
       WHERE processed_at IS NULL AND received_at < now() - make_interval(secs => $1::float8 / 1000)
       GROUP BY workspace_id LIMIT ${RELAY_MAX_WORKSPACES}`,
      [this.intervalMs],
    )) as { workspaceId: string }[];
    if (rows.length === 0) return { workspaces: 0 };
    const queue = this.queues.get(INGEST_QUEUE);
    for (const { workspaceId } of rows) await this.releaseOrphanedKey(workspaceId);
    await this.queues.produce(() =>
      queue.addBulk(rows.map(({ workspaceId }) => ({ name: DRAIN_INBOX_JOB, data: { workspaceId }, opts: drainJobOptions(workspaceId) }))),
    );
    this.logger.log({ msg: 'relay enqueued drains for pending inbox rows', workspaces: rows.length });
    return { workspaces: rows.length };
  }

  /**
   * A deduplication key whose job no longer exists (lost with part of Redis) would swallow every
   * future drain of the workspace; drop it so the add below goes through.
   */
  private async releaseOrphanedKey(workspaceId: string): Promise<void> {
    const queue = this.queues.get(INGEST_QUEUE);
    const id = drainDeduplicationId(workspaceId);
    const jobId = await this.queues.produce(() => queue.getDeduplicationJobId(id));
    if (!jobId) return;
    const job = await this.queues.produce(() => queue.getJob(jobId));
    if (!job) await this.queues.produce(() => queue.removeDeduplicationKey(id));
  }
}
