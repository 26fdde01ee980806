import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, TestRoles } from '@hub/auth/testing';
import { HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { PermanentApiError, RateLimitError, RetryableError } from '@hub/sdk';
import { Job, type Queue, Worker } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { DeadLettersService } from './dead-letters.service';
import { drainWorkers } from './worker-drain';
import { isShutdownAbort, returnToQueue, settleFailedAttempt } from './job-failure';
import { QueueRegistry } from './queue-registry.service';
import { DeadLettersApiModule, QueueModule } from './queue.module';

const roles = new TestRoles();

const QUEUE = 'connector-queue-int-test';
const ADMIN = randomUUID();
const VIEWER = randomUUID();

async function mustFind(queue: Queue, id: string): Promise<Job> {
  const job = await Job.fromId(queue, id);
  if (!job) throw new Error(`job ${id} not found`);
  return job;
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('queue: failure policy with real BullMQ, dead letters API (real PostgreSQL + Redis)', () => {
  let app: INestApplication;
  let ds: DataSource;
  let queues: QueueRegistry;
  let deadLetters: DeadLettersService;
  let queue: Queue;
  let worker: Worker;
  let wsA: string;
  let wsB: string;
  const behaviours = new Map<string, (job: Job) => Promise<unknown>>();
  const calls = new Map<string, number>();

  beforeAll(async () => {
    const config = loadConfig();
    await runMigrations(config.DATABASE_URL);
    @Module({
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 4 }),
        QueueModule.forRoot({ attempts: 3, backoffDelayMs: 50 }),
        DeadLettersApiModule,
        HeaderAuthModule.forRoot(roles),
      ],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    ds = app.get(DataSource);
    queues = app.get(QueueRegistry);
    deadLetters = app.get(DeadLettersService);
    queues.declareQueues([QUEUE]);
    queue = queues.get(QUEUE);

    [wsA, wsB] = [randomUUID(), randomUUID()];
    for (const ws of [wsA, wsB]) {
      await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, $2, $3)`, [ws, 'Q test', `q-${ws}`]);
    }
    roles.set(ADMIN, new Map([[wsA, 'admin'], [wsB, 'admin']]));
    roles.set(VIEWER, new Map([[wsA, 'viewer']]));

    worker = new Worker(
      QUEUE,
      async (job, token, signal) => {
        calls.set(job.data.tag, (calls.get(job.data.tag) ?? 0) + 1);
        try {
          return await (behaviours.get(job.data.tag) ?? (async () => 'ok'))(job);
        } catch (err) {
          if (isShutdownAbort(signal)) return returnToQueue(job, token);
          return settleFailedAttempt(job, token, err, deadLetters);
        }
      },
      { ...queues.workerOptions(), concurrency: 4 },
    );
  });

  afterAll(async () => {
    await worker?.close();
    await app?.close();
  });

  const add = async (tag: string, ws = wsA) => String((await queue.add('action:test', { workspaceId: ws, installationId: null, tag })).id);
  const settled = (id: string) =>
    waitFor(async () => {
      // State first, then the job: read the other way round, a job that completes between the
      // two reads shows the final state with the attempt counters of the running attempt.
      const state = await queue.getJobState(id);
      if (state !== 'completed' && state !== 'failed') return undefined;
      const job = await Job.fromId(queue, id);
      return job ? { job, state } : undefined;
    });
  const deadFor = (tag: string) => ds.query(`SELECT * FROM dead_letters WHERE payload->>'tag' = $1`, [tag]);

  it('a permanent error is attempted exactly once and dead-lettered with its code and reason', async () => {
    behaviours.set('perm', async () => {
      throw new PermanentApiError('The partner refused: email is invalid', 422);
    });
    const { job, state } = await settled(await add('perm'));
    expect(state).toBe('failed');
    expect(job.attemptsMade).toBe(1);
    expect(calls.get('perm')).toBe(1);
    const rows = await deadFor('perm');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      workspace_id: wsA,
      queue: QUEUE,
      job_name: 'action:test',
      error_code: 'PERMANENT_API_ERROR',
      reason: 'The partner refused: email is invalid',
      attempts: 1,
    });
  });

  it('a retryable error is retried with backoff and then succeeds', async () => {
    behaviours.set('flaky', async () => {
      if ((calls.get('flaky') ?? 0) <= 2) throw new RetryableError('503 from partner');
      return 'done';
    });
    const { job, state } = await settled(await add('flaky'));
    expect(state).toBe('completed');
    expect(calls.get('flaky')).toBe(3);
    expect(job.attemptsMade).toBe(3);
    expect(await deadFor('flaky')).toHaveLength(0);
  });

  it('exhausted retries end in a dead letter counting every attempt', async () => {
    behaviours.set('down', async () => {
      throw new RetryableError('partner down');
    });
    const { state } = await settled(await add('down'));
    expect(state).toBe('failed');
    expect(calls.get('down')).toBe(3);
    const rows = await deadFor('down');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ error_code: 'RETRYABLE', attempts: 3, reason: 'Failed after 3 attempts: partner down' });
  });

  it('a rate limit delays the job by retry-after without consuming an attempt', async () => {
    const started: number[] = [];
    behaviours.set('throttled', async () => {
      started.push(Date.now());
      if (started.length === 1) throw new RateLimitError('429 Too Many Requests', 400);
      return 'sent';
    });
    const { job, state } = await settled(await add('throttled'));
    expect(state).toBe('completed');
    expect(started).toHaveLength(2);
    expect(started[1] - started[0]).toBeGreaterThanOrEqual(390);
    expect(job.attemptsMade).toBe(1); // only the successful attempt counts
    expect(job.attemptsStarted).toBe(2);
    expect(await deadFor('throttled')).toHaveLength(0);
  });

  describe('dead letters API', () => {
    const api = () => request(app.getHttpServer());
    const as = (user: string) => ({ 'x-test-user': user });

    it('lists newest first, paginated, with the documented fields', async () => {
      behaviours.set('page', async () => {
        throw new PermanentApiError('nope');
      });
      for (let i = 0; i < 3; i++) await settled(await add('page'));
      const first = await api().get(`/api/v1/workspaces/${wsA}/dead-letters?limit=2`).set(as(VIEWER)).expect(200);
      expect(first.body.items).toHaveLength(2);
      expect(Object.keys(first.body.items[0]).sort()).toEqual(
        ['attempts', 'createdAt', 'errorCode', 'id', 'installationId', 'jobName', 'queue', 'reason', 'replayCount', 'replayedAt'].sort(),
      );
      expect(first.body.items[0].createdAt >= first.body.items[1].createdAt).toBe(true);
      expect(first.body.items[0]).not.toHaveProperty('payload');
      const seen = new Set(first.body.items.map((i: { id: string }) => i.id));
      let cursor = first.body.nextCursor as string | null;
      expect(cursor).toEqual(expect.any(String));
      while (cursor) {
        const next = await api().get(`/api/v1/workspaces/${wsA}/dead-letters`).query({ limit: 2, cursor }).set(as(ADMIN)).expect(200);
        for (const item of next.body.items) {
          expect(seen.has(item.id)).toBe(false);
          seen.add(item.id);
        }
        cursor = next.body.nextCursor;
      }
      const [{ count }] = await ds.query(`SELECT count(*)::int AS count FROM dead_letters WHERE workspace_id = $1`, [wsA]);
      expect(seen.size).toBe(count);
    });

    it('answers 400 for a bad cursor or limit, 401 without a caller', async () => {
      const bad = await api().get(`/api/v1/workspaces/${wsA}/dead-letters?cursor=garbage`).set(as(ADMIN)).expect(400);
      expect(bad.body).toMatchObject({ statusCode: 400, code: 'INVALID_CURSOR' });
      await api().get(`/api/v1/workspaces/${wsA}/dead-letters?limit=501`).set(as(ADMIN)).expect(400);
      await api().get(`/api/v1/workspaces/${wsA}/dead-letters`).expect(401);
    });

    it('replays: 202 with a new job that runs the same payload, and records the replay', async () => {
      let healed = false;
      behaviours.set('replay', async () => {
        if (!healed) throw new PermanentApiError('refused until healed');
        return 'ok';
      });
      await settled(await add('replay'));
      const [row] = await deadFor('replay');
      healed = true;
      const res = await api().post(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}/replay`).set(as(ADMIN)).expect(202);
      expect(res.body).toEqual({ jobId: expect.any(String) });
      const { job, state } = await settled(res.body.jobId);
      expect(state).toBe('completed');
      expect(job.data).toEqual(row.payload);
      expect(calls.get('replay')).toBe(2);
      const [after] = await ds.query(`SELECT replayed_at, replay_count FROM dead_letters WHERE id = $1`, [row.id]);
      expect(after.replay_count).toBe(1);
      expect(after.replayed_at).toBeInstanceOf(Date);
      const listed = await api().get(`/api/v1/workspaces/${wsA}/dead-letters?limit=500`).set(as(ADMIN)).expect(200);
      expect(listed.body.items.find((i: { id: string }) => i.id === row.id)).toMatchObject({ replayCount: 1, replayedAt: expect.any(String) });
    });

    it('refuses to replay into a queue no connector declares', async () => {
      const [{ id }] = await ds.query(
        `INSERT INTO dead_letters (workspace_id, queue, job_name, payload, error_code, reason, attempts)
         VALUES ($1, 'connector-retired', 'action:x', '{}'::jsonb, 'RETRYABLE', 'r', 3) RETURNING id`,
        [wsA],
      );
      const res = await api().post(`/api/v1/workspaces/${wsA}/dead-letters/${id}/replay`).set(as(ADMIN)).expect(409);
      expect(res.body.code).toBe('QUEUE_UNKNOWN');
    });

    it('deletes (204), then the id is gone (404)', async () => {
      const [row] = await deadFor('perm');
      await api().delete(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}`).set(as(ADMIN)).expect(204);
      await api().delete(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}`).set(as(ADMIN)).expect(404);
      expect(await deadFor('perm')).toHaveLength(0);
    });

    it("another workspace's dead letter answers 404 on every route; a viewer cannot replay or delete", async () => {
      const [row] = await deadFor('down');
      const other = await api().get(`/api/v1/workspaces/${wsB}/dead-letters`).set(as(ADMIN)).expect(200);
      expect(other.body).toEqual({ items: [], nextCursor: null });
      const replay = await api().post(`/api/v1/workspaces/${wsB}/dead-letters/${row.id}/replay`).set(as(ADMIN)).expect(404);
      expect(replay.body).toMatchObject({ statusCode: 404, code: 'DEAD_LETTER_NOT_FOUND' });
      await api().delete(`/api/v1/workspaces/${wsB}/dead-letters/${row.id}`).set(as(ADMIN)).expect(404);
      await api().post(`/api/v1/workspaces/${wsA}/dead-letters/not-a-uuid/replay`).set(as(ADMIN)).expect(404);
      // A workspace the caller cannot see looks like a missing one.
      await api().get(`/api/v1/workspaces/${wsB}/dead-letters`).set(as(VIEWER)).expect(404);
      await api().get(`/api/v1/workspaces/not-a-uuid/dead-letters`).set(as(ADMIN)).expect(404);
      await api().post(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}/replay`).set(as(VIEWER)).expect(403);
      await api().delete(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}`).set(as(VIEWER)).expect(403);
      expect(await deadFor('down')).toHaveLength(1);
    });
  });

  describe('drainWorkers', () => {
    it('lets an in-flight job finish within the timeout', async () => {
      const drainQueue = 'connector-drain-ok';
      const q = queues.get(drainQueue);
      let finished = false;
      const w = new Worker(drainQueue, async () => {
        await new Promise((r) => setTimeout(r, 700));
        finished = true;
      }, { ...queues.workerOptions() });
      const job = await q.add('action:slow', { workspaceId: wsA });
      await waitFor(async () => (await job.getState()) === 'active');
      const result = await drainWorkers([w], 5000, { warn: () => undefined });
      expect(result).toEqual({ drained: true, cancelled: [], abandoned: [] });
      expect(finished).toBe(true);
      expect(await job.getState()).toBe('completed');
    });

    it('at the deadline returns the in-flight job to "wait" without counting an attempt', async () => {
      const drainQueue = 'connector-drain-timeout';
      const q = queues.get(drainQueue);
      const w = new Worker(
        drainQueue,
        async (job, token, signal) => {
          // A long job that gives up when the drain deadline aborts it.
          await new Promise<void>((resolve, reject) => {
            const timer = setTimeout(resolve, 20_000);
            signal?.addEventListener('abort', () => {
              clearTimeout(timer);
              reject(new Error('aborted'));
            });
          }).catch(async (err) => {
            if (isShutdownAbort(signal)) return returnToQueue(job, token);
            throw err;
          });
        },
        { ...queues.workerOptions() },
      );
      const job = await q.add('action:slow', { workspaceId: wsA });
      await waitFor(async () => (await job.getState()) === 'active');
      const started = Date.now();
      const result = await drainWorkers([w], 1200, { warn: () => undefined }, 300);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(result.drained).toBe(false);
      expect(result.cancelled).toEqual([drainQueue]);
      const fresh = await mustFind(q, String(job.id));
      expect(await fresh.getState()).toBe('waiting');
      expect(fresh.attemptsMade).toBe(0);
    });
  });
});
