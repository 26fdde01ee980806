import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { DataSource } from 'typeorm';

const DELETE_BATCH = 5000;
/** Batches per run: a long backlog is cleared over several runs, never in one long transaction. */
const MAX_BATCHES_PER_RUN = 40;

/**
 * Deletes processed inbox rows older than HUB_INBOX_RETENTION_HOURS, in batches of 5,000 rows
 * (each its own short statement, so no long lock or huge WAL burst). The projected events stay
 * in `events`; the inbox keeps raw requests for replay and debugging only. Rows the subscription
 * fan-out has not handled yet (when its `fanned_out_at` column exists) are kept.
 */
@Injectable()
export class InboxRetention {
  private readonly logger = new Logger('InboxRetention');
  private fanoutColumn: boolean | undefined;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async run(): Promise<{ deleted: number }> {
    const fannedOut = (await this.hasFanoutColumn()) ? 'AND fanned_out_at IS NOT NULL' : '';
    let deleted = 0;
    for (let i = 0; i < MAX_BATCHES_PER_RUN; i++) {
      const [, count] = (await this.dataSource.query(
        `DELETE FROM inbox WHERE id IN (
           SELECT id FROM inbox
           WHERE processed_at IS NOT NULL AND processed_at < now() - make_interval(hours => $1) ${fannedOut}
           ORDER BY processed_at LIMIT ${DELETE_BATCH})`,
        [this.config.HUB_INBOX_RETENTION_HOURS],
      )) as [unknown, number];
      deleted += count;
      if (count < DELETE_BATCH) break;
    }
    if (deleted > 0) this.logger.log({ msg: 'processed inbox rows deleted', deleted, retentionHours: this.config.HUB_INBOX_RETENTION_HOURS });
    return { deleted };
  }

  private async hasFanoutColumn(): Promise<boolean> {
    if (this.fanoutColumn) return true;
    const rows = (await this.dataSource.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'inbox' AND column_name = 'fanned_out_at'`,
    )) as unknown[];
    this.fanoutColumn = rows.length > 0;
    return this.fanoutColumn;
  }
}
