import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { QueueRegistry } from '@hub/queue';
import { DataSource } from 'typeorm';
import { DELIVERY_QUEUE, RELAY_DELIVERIES_JOB } from '../delivery-queue';
import { DeliveryRecorder } from '../ledger/delivery-recorder.service';
import { PLAN_BY_INDEX } from '../ledger/delivery-store.service';

/** Rows younger than this belong to a flush that is about to run; the relay leaves them alone. */
const GRACE_SECONDS = 2;

/**
 * Redis is the dispatcher, not the store: if a flush job is lost (Redis flushed, a worker died
 * and BullMQ gave up on it, an installation re-enabled), its rows still sit `queued` in
 * Postgres. Every HUB_DELIVERY_RELAY_INTERVAL_MS a scheduler job (one per tick, whichever
 * worker takes it) enqueues a flush for each enabled installation with pending rows. The
 * enqueue is deduplicated per installation, so while a flush waits, runs its backoff or is
 * delayed by a 429, the relay adds nothing.
 */
@Injectable()
export class DeliveryRelay {
  private readonly logger = new Logger('DeliveryRelay');

  constructor(
    private readonly dataSource: DataSource,
    private readonly recorder: DeliveryRecorder,
    private readonly queues: QueueRegistry,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async schedule(): Promise<void> {
    await this.queues.produce(() =>
      this.queues.get(DELIVERY_QUEUE).upsertJobScheduler(
        RELAY_DELIVERIES_JOB,
        { every: this.config.HUB_DELIVERY_RELAY_INTERVAL_MS },
        { name: RELAY_DELIVERIES_JOB, data: {}, opts: { attempts: 1, removeOnComplete: 10, removeOnFail: 10 } },
      ),
    );
  }

  async run(): Promise<{ enqueued: number }> {
    const rows = (await this.dataSource.transaction(async (m) => {
      await m.query(PLAN_BY_INDEX);
      return m.query(
      // The oldest pending row of each installation, through deliveries_pending_idx (installation, seq).
      `SELECT i.workspace_id, i.id FROM installations i
       CROSS JOIN LATERAL (SELECT d.created_at FROM deliveries d WHERE d.installation_id = i.id AND d.status IN ('queued', 'failed')
                           ORDER BY d.seq LIMIT 1) oldest
       WHERE i.enabled AND i.status <> 'needs_attention' AND oldest.created_at < now() - make_interval(secs => $1)`,
        [GRACE_SECONDS],
      );
    })) as { workspace_id: string; id: string }[];
    for (const row of rows) await this.recorder.enqueueFlush(row.workspace_id, row.id);
    if (rows.length) this.logger.log({ msg: 'relay enqueued flushes for pending deliveries', installations: rows.length });
    return { enqueued: rows.length };
  }
}
