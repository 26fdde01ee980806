import { type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HubConfigModule, loadConfig } from '@hub/config';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { QueueModule, QueueRegistry } from '@hub/queue';
import Redis from 'ioredis';
import { DataSource } from 'typeorm';
import { drainJobOptions, DRAIN_INBOX_JOB, INGEST_QUEUE, SUBSCRIPTIONS_QUEUE } from '../ingest-queue';
import { ProfilesWorkerModule } from '../profiles-worker.module';
import { createTestSource, insertInbox, segment, type TestSource } from '../testing/inbox-fixtures';
import { InboxRetention } from './inbox-retention.service';

/** The ingest worker with real BullMQ on Redis: drain jobs, the fan-out hand-off, the relay after lost jobs, retention. */
describe('ingest worker (real PostgreSQL and Redis)', () => {
  let app: INestApplicationContext;
  let db: DataSource;
  let queues: QueueRegistry;
  const prefix = process.env.HUB_REDIS_PREFIX as string;

  beforeAll(async () => {
    const url = process.env.DATABASE_URL as string;
    await runMigrations(url);
    const config = { ...loadConfig(), HUB_INBOX_RELAY_INTERVAL_MS: 500, HUB_INBOX_RETENTION_HOURS: 1 };
    @Module({
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ url, poolSize: 6 }),
        QueueModule.forRoot(),
        ProfilesWorkerModule.forRoot({ limits: { maxRows: 2, maxEvents: 100 } }),
      ],
    })
    class TestModule {}
    app = await NestFactory.createApplicationContext(TestModule, { logger: false });
    await app.init();
    db = app.get(DataSource);
    queues = app.get(QueueRegistry);
  });
  afterAll(() => app?.close());

  const pending = async (src: TestSource) =>
    Number((await db.query(`SELECT count(*) n FROM inbox WHERE workspace_id = $1 AND processed_at IS NULL`, [src.workspaceId]))[0].n);
  const events = async (src: TestSource) =>
    Number((await db.query(`SELECT count(*) n FROM events WHERE workspace_id = $1`, [src.workspaceId]))[0].n);
  async function until(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('drains on a drain-inbox job and hands the workspace to the fan-out', async () => {
    const src = await createTestSource(db);
    for (let i = 0; i < 5; i++) {
      await insertInbox(db, src, [segment({ type: 'track', userId: `u${i}`, event: 'Job Ran' }), segment({ type: 'identify', userId: `u${i}`, traits: { i } })]);
    }
    await queues.add(INGEST_QUEUE, DRAIN_INBOX_JOB, { workspaceId: src.workspaceId }, drainJobOptions(src.workspaceId));
    await until(async () => (await pending(src)) === 0);
    expect(await events(src)).toBe(10);
    const fanout = await queues.get(SUBSCRIPTIONS_QUEUE).getJobs(['waiting', 'delayed', 'active', 'completed']);
    expect(fanout.some((job) => job.name === 'fanout-inbox' && job.data.workspaceId === src.workspaceId)).toBe(true);
  });

  it('drains rows whose job was lost: the relay re-enqueues them, even after the test’s Redis keys are flushed', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [segment({ type: 'track', userId: 'u', event: 'No Job' })]);
    // Redis loses everything of this run: queued jobs, dedup keys and the relay's schedulers.
    const redis = new Redis(process.env.REDIS_URL as string);
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    await insertInbox(db, src, [segment({ type: 'track', userId: 'u', event: 'No Job' })]);
    // No drain job was enqueued for either row; the rescheduled relay finds them (6 intervals of 500 ms at most).
    await until(async () => (await pending(src)) === 0, 20_000);
    expect(await events(src)).toBe(2);
  }, 30_000);

  it('dead-letters a drain job without a valid workspace id instead of retrying it', async () => {
    await queues.add(INGEST_QUEUE, DRAIN_INBOX_JOB, { workspaceId: 'nope' }, { attempts: 3 });
    await until(async () => (await queues.get(INGEST_QUEUE).getFailed()).some((j) => j.data.workspaceId === 'nope'));
    const [failed] = (await queues.get(INGEST_QUEUE).getFailed()).filter((j) => j.data.workspaceId === 'nope');
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toContain('INVALID_PAYLOAD');
  });

  it('deletes processed inbox rows past retention, keeping recent ones and ones the fan-out has not handled', async () => {
    const src = await createTestSource(db);
    const old = await insertInbox(db, src, [segment({ type: 'track', userId: 'u', event: 'Old' })]);
    const recent = await insertInbox(db, src, [segment({ type: 'track', userId: 'u', event: 'Recent' })]);
    const unfanned = await insertInbox(db, src, [segment({ type: 'track', userId: 'u', event: 'Not fanned out' })]);
    await db.query(`UPDATE inbox SET processed_at = now() - interval '2 hours' WHERE id = ANY($1::bigint[])`, [[old, unfanned]]);
    await db.query(`UPDATE inbox SET processed_at = now() WHERE id = $1`, [recent]);
    const fanout = (
      await db.query(`SELECT 1 FROM information_schema.columns WHERE table_name = 'inbox' AND column_name = 'fanned_out_at'`)
    ).length > 0;
    if (fanout) await db.query(`UPDATE inbox SET fanned_out_at = processed_at WHERE id = ANY($1::bigint[])`, [[old, recent]]);
    const result = await app.get(InboxRetention).run();
    expect(result.deleted).toBeGreaterThanOrEqual(1);
    const left = (await db.query(`SELECT id::text FROM inbox WHERE workspace_id = $1 ORDER BY inbox.id`, [src.workspaceId])).map(
      (r: { id: string }) => r.id,
    );
    expect(left).toEqual(fanout ? [recent, unfanned] : [recent]);
  });
});
