import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { ApiError } from '@hub/http';
import { DeadLetterEntity, keysetPage, readPageQuery, toPage } from '@hub/persistence';
import { Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { isUuid } from './ids';
import type { DeadLetterRecorder, NewDeadLetter } from './job-failure';
import { QueueErrorCode } from './queue.exception';
import { QueueRegistry } from './queue-registry.service';

export interface DeadLetterView {
  id: string;
  installationId: string | null;
  queue: string;
  jobName: string;
  errorCode: string;
  reason: string;
  attempts: number;
  createdAt: string;
  replayedAt: string | null;
  replayCount: number;
}

export const toDeadLetterView = (row: DeadLetterEntity): DeadLetterView => ({
  id: row.id,
  installationId: row.installationId,
  queue: row.queue,
  jobName: row.jobName,
  errorCode: row.errorCode,
  reason: row.reason,
  attempts: row.attempts,
  createdAt: row.createdAt.toISOString(),
  replayedAt: row.replayedAt ? row.replayedAt.toISOString() : null,
  replayCount: row.replayCount,
});

/** Postgres: foreign key violation (the workspace or installation was deleted meanwhile). */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * Jobs that failed for good, kept in Postgres (not only in BullMQ's bounded failed set) so an
 * admin can read why and replay. Every query is scoped by workspace: another workspace's dead
 * letter answers 404, exactly like a missing one.
 */
@Injectable()
export class DeadLettersService implements DeadLetterRecorder {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    @InjectRepository(DeadLetterEntity) private readonly repo: Repository<DeadLetterEntity>,
    private readonly queues: QueueRegistry,
  ) {}

  async record(entry: NewDeadLetter): Promise<boolean> {
    try {
      await this.repo.insert({ ...entry, replayCount: 0, replayedAt: null } as QueryDeepPartialEntity<DeadLetterEntity>);
    } catch (err) {
      if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return false;
      throw err;
    }
    this.logger.warn({
      msg: 'job dead-lettered',
      workspaceId: entry.workspaceId,
      installationId: entry.installationId,
      queue: entry.queue,
      jobName: entry.jobName,
      errorCode: entry.errorCode,
      attempts: entry.attempts,
    });
    return true;
  }

  /** Newest first. */
  async list(workspaceId: string, query: { limit?: unknown; cursor?: unknown }): Promise<{ items: DeadLetterView[]; nextCursor: string | null }> {
    const page = readPageQuery(query, (message) => ApiError.badRequest('INVALID_CURSOR', message));
    const scope = this.repo.createQueryBuilder('d').where('d.workspace_id = :workspaceId', { workspaceId });
    const qb = keysetPage(scope, 'd', page, 'DESC');
    return toPage(await qb.getMany(), page.limit, toDeadLetterView);
  }

  async get(workspaceId: string, id: string): Promise<DeadLetterEntity> {
    const row = isUuid(id) ? await this.repo.findOne({ where: { id, workspaceId } }) : null;
    if (!row) throw ApiError.notFound('Dead letter', QueueErrorCode.DeadLetterNotFound);
    return row;
  }

  /** Enqueues the same payload as a new job (with the queue's default retries). */
  async replay(workspaceId: string, id: string): Promise<{ jobId: string }> {
    const row = await this.get(workspaceId, id);
    if (!this.queues.isDeclared(row.queue)) {
      throw ApiError.conflict(
        QueueErrorCode.QueueUnknown,
        `Queue "${row.queue}" belongs to no connector of this hub any more; delete this dead letter instead`,
      );
    }
    const jobId = await this.queues.add(row.queue, row.jobName, row.payload);
    await this.repo
      .createQueryBuilder()
      .update(DeadLetterEntity)
      .set({ replayedAt: () => 'now()', replayCount: () => 'replay_count + 1' })
      .where('id = :id AND workspace_id = :workspaceId', { id, workspaceId })
      .execute();
    this.logger.log({ msg: 'dead letter replayed', workspaceId, deadLetterId: id, queue: row.queue, jobId });
    return { jobId };
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    const result = isUuid(id) ? await this.repo.delete({ id, workspaceId }) : { affected: 0 };
    if (!result.affected) throw ApiError.notFound('Dead letter', QueueErrorCode.DeadLetterNotFound);
  }
}
