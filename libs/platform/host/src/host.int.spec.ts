import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, TestRoles } from '@hub/auth/testing';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { DeadLettersApiModule, QueueModule, redisConnectionOptions } from '@hub/queue';
import {
  AuthError,
  defineConnector,
  PermanentApiError,
  RateLimitError,
  RetryableError,
  secret,
} from '@hub/sdk';
import { installationSecretsAad, SecretBox, VaultModule } from '@hub/vault';
import { Job, Queue } from 'bullmq';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { HostModule, HostWorkerModule } from './host.module';
import { SECRET_MASK } from './installation-settings';

// ---------------------------------------------------------------------------------------------
// Test connectors, defined here: one with secrets, a check and actions; one with a scheduled job.

const CANARY = `canary-${randomUUID()}`;

const state = {
  pings: [] as { installationId: string; message: string; apiKeySeen: string | undefined }[],
  calls: new Map<string, number>(),
  healed: new Set<string>(),
  slow: new Map<string, 'started' | 'finished'>(),
  syncRuns: [] as { installationId: string; n: number }[],
};
const count = (key: string) => {
  const n = (state.calls.get(key) ?? 0) + 1;
  state.calls.set(key, n);
  return n;
};

const crmSettings = z.object({
  region: z.enum(['eu', 'us']).default('us'),
  apiKey: secret(z.string().min(8), { title: 'API key' }),
  failCheck: z.boolean().optional(),
});
const keyed = z.object({ key: z.string().min(1) });

const crm = defineConnector({
  id: 'host-int-crm',
  version: '1.0.0',
  name: 'Int CRM',
  description: 'A connector defined by the host integration test',
  category: 'destination',
  settings: crmSettings,
  auth: { type: 'apiKey' },
  async check(ctx) {
    if (ctx.credentials.type !== 'apiKey' || ctx.credentials.apiKey !== ctx.settings.apiKey) {
      return { ok: false, message: 'credentials were not built from the apiKey setting' };
    }
    if (ctx.settings.failCheck) return { ok: false, message: 'The API key was refused by Int CRM' };
    return { ok: true, message: `Logged in (${ctx.settings.region})` };
  },
  actions: {
    ping: {
      title: 'Ping',
      input: z.object({ message: z.string().min(1) }),
      async perform(ctx, input: { message: string }) {
        state.pings.push({
          installationId: ctx.installationId,
          message: input.message,
          apiKeySeen: ctx.credentials.type === 'apiKey' ? ctx.credentials.apiKey : undefined,
        });
        return { ok: true };
      },
    },
    reject: {
      title: 'Reject',
      input: keyed,
      async perform(_ctx, input: { key: string }) {
        count(input.key);
        throw new PermanentApiError('Int CRM refused the contact: email is invalid', 422);
      },
    },
    leak: {
      title: 'Leak',
      input: keyed,
      async perform(ctx) {
        throw new PermanentApiError(`request with key ${ctx.settings.apiKey} was refused`, 400);
      },
    },
    unauthorized: {
      title: 'Unauthorized',
      input: keyed,
      async perform() {
        throw new AuthError('Int CRM refused the API key (401)');
      },
    },
    flaky: {
      title: 'Flaky',
      input: keyed,
      async perform(_ctx, input: { key: string }) {
        if (count(input.key) <= 2) throw new RetryableError('Int CRM answered 503');
        return { ok: true };
      },
    },
    down: {
      title: 'Down',
      input: keyed,
      async perform(_ctx, input: { key: string }) {
        count(input.key);
        if (!state.healed.has(input.key)) throw new RetryableError('Int CRM is down');
        return { ok: true };
      },
    },
    throttle: {
      title: 'Throttle',
      input: keyed,
      async perform(_ctx, input: { key: string }) {
        if (count(input.key) === 1) throw new RateLimitError('Int CRM answered 429', 300);
        return { ok: true };
      },
    },
    slow: {
      title: 'Slow',
      input: z.object({ key: z.string(), ms: z.number().int(), ignoreSignal: z.boolean().optional() }),
      async perform(ctx, input: { key: string; ms: number; ignoreSignal?: boolean }) {
        state.slow.set(input.key, 'started');
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(resolve, input.ms);
          timer.unref();
          if (!input.ignoreSignal) ctx.signal.addEventListener('abort', () => reject(new RetryableError('aborted')));
        });
        state.slow.set(input.key, 'finished');
        return { ok: true };
      },
    },
  },
});

const sync = defineConnector({
  id: 'host-int-sync',
  version: '2.1.0',
  name: 'Int Sync',
  description: 'A scheduled job with a checkpoint, no connection check',
  category: 'source',
  settings: z.object({ label: z.string().optional() }),
  auth: { type: 'none' },
  jobs: {
    pull: {
      title: 'Pull changes',
      payload: z.object({}),
      schedule: { everyMs: 1000 },
      async run(ctx) {
        const previous = await ctx.checkpoint.get<{ n: number }>();
        const n = (previous?.n ?? 0) + 1;
        await ctx.checkpoint.save({ n });
        state.syncRuns.push({ installationId: ctx.installationId, n });
      },
    },
  },
});

// ---------------------------------------------------------------------------------------------
// Auth doubles: the caller is whoever `x-test-user` names; roles per workspace live in `roles`.

const roles = new TestRoles();

async function createApp(config: HubEnv, parts: { api: boolean; workers: boolean }): Promise<INestApplication> {
  const connectors = [crm, sync];
  @Module({
    imports: [
      HubConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 4 }),
      VaultModule,
      QueueModule.forRoot({ attempts: 3, backoffDelayMs: 50 }),
      HeaderAuthModule.forRoot(roles),
      ...(parts.api ? [DeadLettersApiModule, HostModule.forRoot({ connectors })] : []),
      ...(parts.workers ? [HostWorkerModule.forRoot({ connectors })] : []),
    ],
  })
  class TestAppModule {}
  const app = await NestFactory.create(TestAppModule, { logger: false });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return app;
}

async function mustFind(queue: Queue, id: string): Promise<Job> {
  const job = await Job.fromId(queue, id);
  if (!job) throw new Error(`job ${id} not found`);
  return job;
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ADMIN = randomUUID();
const VIEWER = randomUUID();
const OUTSIDER = randomUUID();
const as = (user: string) => ({ 'x-test-user': user });

describe('connector host (real PostgreSQL + Redis, workers in process)', () => {
  let config: HubEnv;
  let app: INestApplication;
  let ds: DataSource;
  let inspect: { crm: Queue; sync: Queue };
  let wsA: string;
  let wsB: string;
  let wsC: string;
  const api = () => request(app.getHttpServer());

  beforeAll(async () => {
    config = loadConfig();
    await runMigrations(config.DATABASE_URL);
    app = await createApp(config, { api: true, workers: true });
    ds = app.get(DataSource);
    [wsA, wsB, wsC] = [randomUUID(), randomUUID(), randomUUID()];
    for (const ws of [wsA, wsB, wsC]) {
      await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Host test', $2)`, [ws, `h-${ws}`]);
    }
    roles.set(ADMIN, new Map([[wsA, 'admin'], [wsB, 'owner'], [wsC, 'admin']]));
    roles.set(VIEWER, new Map([[wsA, 'viewer']]));
    const redis = { connection: redisConnectionOptions(config.REDIS_URL), prefix: config.HUB_REDIS_PREFIX };
    inspect = { crm: new Queue('connector-host-int-crm', redis), sync: new Queue('connector-host-int-sync', redis) };
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await inspect?.crm.close();
    await inspect?.sync.close();
  });

  const createCrm = async (ws = wsA, over: Record<string, unknown> = {}) => {
    const res = await api()
      .post(`/api/v1/workspaces/${ws}/installations`)
      .set(as(ADMIN))
      .send({ connectorId: 'host-int-crm', name: 'CRM', settings: { region: 'eu', apiKey: CANARY }, ...over });
    expect(res.status).toBe(201);
    return res.body as { id: string } & Record<string, unknown>;
  };
  const settled = (queue: Queue, id: string) =>
    waitFor(async () => {
      const job = await Job.fromId(queue, id);
      const s = await job?.getState();
      return job && (s === 'completed' || s === 'failed') ? { job, state: s } : undefined;
    });
  const deadLettersOf = (installationId: string) =>
    ds.query(`SELECT * FROM dead_letters WHERE installation_id = $1 ORDER BY created_at`, [installationId]);

  describe('catalog', () => {
    it('lists connectors with JSON Schema settings (secrets marked), actions and jobs', async () => {
      const res = await api().get('/api/v1/connectors').set(as(VIEWER)).expect(200);
      expect(res.body.nextCursor).toBeNull();
      const item = res.body.items.find((c: { id: string }) => c.id === 'host-int-crm');
      expect(item).toMatchObject({ id: 'host-int-crm', name: 'Int CRM', version: '1.0.0', category: 'destination', auth: { type: 'apiKey' } });
      expect(item.settingsSchema.properties.apiKey).toMatchObject({ secret: true, writeOnly: true });
      expect(item.actions.map((a: { key: string }) => a.key)).toContain('ping');
      expect(item.actions.find((a: { key: string }) => a.key === 'ping').inputSchema.properties.message).toBeDefined();
      const syncItem = res.body.items.find((c: { id: string }) => c.id === 'host-int-sync');
      expect(syncItem.jobs).toEqual([{ key: 'pull', title: 'Pull changes', schedule: { everyMs: 1000 } }]);
    });

    it('gets one connector; unknown id 404; no caller 401', async () => {
      await api().get('/api/v1/connectors/host-int-sync').set(as(ADMIN)).expect(200);
      const missing = await api().get('/api/v1/connectors/nope').set(as(ADMIN)).expect(404);
      expect(missing.body.code).toBe('CONNECTOR_NOT_FOUND');
      await api().get('/api/v1/connectors').expect(401);
    });
  });

  describe('installations', () => {
    it('creates one: secrets masked in the answer, sealed in installation_secrets, absent from plain columns', async () => {
      const res = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: '  Main CRM ', settings: { region: 'eu', apiKey: CANARY } })
        .expect(201);
      expect(res.text).not.toContain(CANARY);
      expect(res.body).toMatchObject({
        id: expect.any(String),
        connectorId: 'host-int-crm',
        connectorVersion: '1.0.0',
        name: 'Main CRM',
        settings: { region: 'eu', apiKey: SECRET_MASK },
        enabled: false,
        status: 'disabled',
        statusMessage: null,
        credentialId: null,
        lastEventAt: null,
        lastCheckAt: null,
      });
      const id = res.body.id;
      const [row] = await ds.query(`SELECT i::text AS plain, settings FROM installations i WHERE id = $1`, [id]);
      expect(row.settings).toEqual({ region: 'eu' });
      expect(row.plain).not.toContain(CANARY);
      const [secretRow] = await ds.query(
        `SELECT key_id, position(convert_to($2, 'UTF8') IN ciphertext) AS at, ciphertext FROM installation_secrets WHERE installation_id = $1 AND workspace_id = $3`,
        [id, CANARY, wsA],
      );
      expect(secretRow.key_id).toBe('test1');
      expect(secretRow.at).toBe(0);
      expect(Buffer.from(secretRow.ciphertext).toString('latin1')).not.toContain(CANARY);
      // Sealed for this row and workspace only.
      const box = app.get(SecretBox);
      const [full] = await ds.query(`SELECT key_id, iv, ciphertext, auth_tag FROM installation_secrets WHERE installation_id = $1`, [id]);
      const sealed = { keyId: full.key_id, iv: full.iv, ciphertext: full.ciphertext, authTag: full.auth_tag };
      expect(box.openJson(sealed, installationSecretsAad(wsA, id))).toEqual({ apiKey: CANARY });
      expect(() => box.openJson(sealed, installationSecretsAad(wsB, id))).toThrow(/integrity/);

      const got = await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(VIEWER)).expect(200);
      expect(got.text).not.toContain(CANARY);
      expect(got.body.settings).toEqual({ region: 'eu', apiKey: SECRET_MASK });
    });

    it('answers 400 listing each bad setting, unknown keys included', async () => {
      const res = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { region: 'mars', apiKey: 'short', extra: 1 } })
        .expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['settings.apiKey', 'settings.extra', 'settings.region']);
      expect(res.body.message).toContain('settings.region');
      const missing = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { apiKey: SECRET_MASK } })
        .expect(400);
      expect(missing.body.fields).toEqual([{ path: 'settings.apiKey', message: expect.any(String) }]);
    });

    it('answers 400 for an unknown connector (naming it), unknown fields, bad types, a credential id, malformed JSON', async () => {
      const unknown = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'no-such-thing', name: 'x', settings: {} })
        .expect(400);
      expect(unknown.body).toMatchObject({ code: 'CONNECTOR_UNKNOWN', fields: [{ path: 'connectorId' }] });
      expect(unknown.body.message).toContain('"no-such-thing"');
      const extra = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { apiKey: CANARY }, surprise: true })
        .expect(400);
      expect(extra.body.code).toBe('VALIDATION_FAILED');
      const types = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 7, settings: [] })
        .expect(400);
      expect(types.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['name', 'settings']);
      const cred = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { apiKey: CANARY }, credentialId: randomUUID() })
        .expect(400);
      expect(cred.body.code).toBe('CREDENTIAL_NOT_FOUND');
      const proto = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .set('content-type', 'application/json')
        .send('{"connectorId":"host-int-crm","name":"x","settings":{"apiKey":"' + CANARY + '","__proto__":{"admin":true}}}')
        .expect(400);
      expect(proto.body.fields).toEqual([{ path: 'settings.__proto__', message: 'is not a setting of this connector' }]);
      const malformed = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .set('content-type', 'application/json')
        .send('{"connectorId":')
        .expect(400);
      expect(malformed.body).toMatchObject({ statusCode: 400 });
    });

    it('lists a workspace page by page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push((await createCrm(wsC)).id);
      const first = await api().get(`/api/v1/workspaces/${wsC}/installations?limit=2`).set(as(ADMIN)).expect(200);
      expect(first.body.items.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 2));
      expect(first.text).not.toContain(CANARY);
      const second = await api()
        .get(`/api/v1/workspaces/${wsC}/installations`)
        .query({ limit: 2, cursor: first.body.nextCursor })
        .set(as(ADMIN))
        .expect(200);
      expect(second.body).toEqual({ items: [expect.objectContaining({ id: ids[2], settings: { region: 'eu', apiKey: SECRET_MASK } })], nextCursor: null });
      const bad = await api().get(`/api/v1/workspaces/${wsC}/installations?cursor=x`).set(as(ADMIN)).expect(400);
      expect(bad.body.code).toBe('INVALID_CURSOR');
    });

    it('PATCH merges: an omitted or masked secret keeps its value, a new one replaces it, bad values change nothing', async () => {
      const { id } = await createCrm();
      const box = app.get(SecretBox);
      const secrets = async () => {
        const [r] = await ds.query(`SELECT key_id, iv, ciphertext, auth_tag FROM installation_secrets WHERE installation_id = $1`, [id]);
        return box.openJson({ keyId: r.key_id, iv: r.iv, ciphertext: r.ciphertext, authTag: r.auth_tag }, installationSecretsAad(wsA, id));
      };
      const renamed = await api()
        .patch(`/api/v1/workspaces/${wsA}/installations/${id}`)
        .set(as(ADMIN))
        .send({ name: 'Renamed', settings: { region: 'us' } })
        .expect(200);
      expect(renamed.body).toMatchObject({ name: 'Renamed', settings: { region: 'us', apiKey: SECRET_MASK } });
      expect(await secrets()).toEqual({ apiKey: CANARY });
      await api().patch(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).send({ settings: { apiKey: SECRET_MASK } }).expect(200);
      expect(await secrets()).toEqual({ apiKey: CANARY });
      const bad = await api()
        .patch(`/api/v1/workspaces/${wsA}/installations/${id}`)
        .set(as(ADMIN))
        .send({ settings: { region: 'mars', apiKey: 'rotated-key-2' } })
        .expect(400);
      expect(bad.body.fields).toEqual([{ path: 'settings.region', message: expect.any(String) }]);
      expect(await secrets()).toEqual({ apiKey: CANARY });
      const rotated = await api()
        .patch(`/api/v1/workspaces/${wsA}/installations/${id}`)
        .set(as(ADMIN))
        .send({ settings: { apiKey: 'rotated-key-2' } })
        .expect(200);
      expect(rotated.text).not.toContain('rotated-key-2');
      expect(await secrets()).toEqual({ apiKey: 'rotated-key-2' });
      await api().patch(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).send({ enabledd: true }).expect(400);
    });

    it('check: ok records last_check_at; a failing check answers ok:false with its message', async () => {
      const { id } = await createCrm();
      const ok = await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/check`).set(as(ADMIN)).expect(200);
      expect(ok.body).toEqual({ ok: true, message: 'Logged in (eu)' });
      const after = await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).expect(200);
      expect(after.body.lastCheckAt).toEqual(expect.any(String));
      expect(after.body.status).toBe('disabled');
      await api().patch(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).send({ settings: { failCheck: true } }).expect(200);
      const failed = await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/check`).set(as(ADMIN)).expect(200);
      expect(failed.body).toEqual({ ok: false, message: 'The API key was refused by Int CRM' });
      const refused = await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/enable`).set(as(ADMIN)).expect(409);
      expect(refused.body).toMatchObject({ code: 'CHECK_FAILED', message: 'The connection check failed: The API key was refused by Int CRM' });
      const still = await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).expect(200);
      expect(still.body).toMatchObject({ enabled: false, statusMessage: 'The API key was refused by Int CRM' });
      // Enabled at creation: checked before anything is stored.
      const before = await ds.query(`SELECT count(*)::int AS n FROM installations WHERE workspace_id = $1`, [wsA]);
      const atCreate = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { apiKey: CANARY, failCheck: true }, enabled: true })
        .expect(409);
      expect(atCreate.body.code).toBe('CHECK_FAILED');
      expect(await ds.query(`SELECT count(*)::int AS n FROM installations WHERE workspace_id = $1`, [wsA])).toEqual(before);
    });

    it('a connector without check answers so', async () => {
      const res = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-sync', name: 'Sync', settings: {} })
        .expect(201);
      const check = await api().post(`/api/v1/workspaces/${wsA}/installations/${res.body.id}/check`).set(as(ADMIN)).expect(200);
      expect(check.body).toEqual({ ok: true, message: 'This connector has no connection check' });
      await api().delete(`/api/v1/workspaces/${wsA}/installations/${res.body.id}`).set(as(ADMIN)).expect(204);
    });
  });

  describe('scheduled jobs', () => {
    // getJobScheduler(id) answers a placeholder object for an unknown id in bullmq 5.81; the
    // listing is unambiguous.
    const schedulerOf = async (id: string) => (await inspect.sync.getJobSchedulers(0, -1)).find((s) => s.key === `${id}:pull`);

    it('enable registers a job scheduler, the job runs with its checkpoint, disable removes it', async () => {
      const created = await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(ADMIN))
        .send({ connectorId: 'host-int-sync', name: 'Sync', settings: { label: 'x' } })
        .expect(201);
      const id = created.body.id as string;
      expect(await schedulerOf(id)).toBeUndefined();
      const enabled = await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/enable`).set(as(ADMIN)).expect(200);
      expect(enabled.body).toMatchObject({ enabled: true, status: 'ok', statusMessage: 'This connector has no connection check' });
      const scheduler = await schedulerOf(id);
      expect(scheduler).toMatchObject({ key: `${id}:pull`, name: 'job:pull', every: 1000 });
      expect(scheduler?.template?.data).toEqual({ workspaceId: wsA, installationId: id, jobKey: 'pull' });

      // Two runs: the second read the first one's checkpoint.
      await waitFor(() => state.syncRuns.filter((r) => r.installationId === id).length >= 2);
      const runs = state.syncRuns.filter((r) => r.installationId === id).map((r) => r.n);
      expect(runs.slice(0, 2)).toEqual([1, 2]);
      const [checkpoint] = await ds.query(`SELECT value FROM job_checkpoints WHERE installation_id = $1 AND job_key = 'pull' AND workspace_id = $2`, [id, wsA]);
      expect(checkpoint.value.n).toBeGreaterThanOrEqual(2);
      const jobRuns = await waitFor(async () => {
        const rows = await ds.query(`SELECT status, attempt, finished_at FROM job_runs WHERE installation_id = $1 AND status = 'succeeded'`, [id]);
        return rows.length >= 2 ? rows : undefined;
      });
      expect(jobRuns[0]).toMatchObject({ status: 'succeeded', attempt: 1, finished_at: expect.any(Date) });

      const disabled = await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/disable`).set(as(ADMIN)).expect(200);
      expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
      expect(await schedulerOf(id)).toBeUndefined();
      // Enable again, then delete: the scheduler goes with the row.
      await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/enable`).set(as(ADMIN)).expect(200);
      expect(await schedulerOf(id)).toBeDefined();
      await api().delete(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).expect(204);
      expect(await schedulerOf(id)).toBeUndefined();
      await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).expect(404);
      expect(await ds.query(`SELECT 1 FROM job_checkpoints WHERE installation_id = $1`, [id])).toEqual([]);
    });
  });

  describe('actions', () => {
    let id: string;
    beforeAll(async () => {
      id = (await createCrm(wsA, { enabled: true })).id;
    });
    const invoke = (action: string, input: unknown, ws = wsA, user = ADMIN) =>
      api().post(`/api/v1/workspaces/${ws}/installations/${id}/actions/${action}`).set(as(user)).send({ input });

    it('202 with a job id; the worker runs the action with decrypted settings', async () => {
      const res = await invoke('ping', { message: 'hello' }).expect(202);
      expect(res.body).toEqual({ jobId: expect.any(String) });
      const { state: s, job } = await settled(inspect.crm, res.body.jobId);
      expect(s).toBe('completed');
      expect(job.name).toBe('action:ping');
      expect(job.data).toEqual({ workspaceId: wsA, installationId: id, actionKey: 'ping', input: { message: 'hello' } });
      expect(JSON.stringify(job.data)).not.toContain(CANARY);
      expect(state.pings).toContainEqual({ installationId: id, message: 'hello', apiKeySeen: CANARY });
    });

    it('400 listing bad input fields; 404 for an unknown action; 409 when disabled', async () => {
      const bad = await invoke('ping', { message: '' }).expect(400);
      expect(bad.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: [{ path: 'input.message' }] });
      await invoke('ping', undefined).expect(400);
      const unknown = await invoke('explode', {}).expect(404);
      expect(unknown.body.code).toBe('ACTION_NOT_FOUND');
      await invoke('__proto__', {}).expect(404);
      await invoke('constructor', {}).expect(404);
      const other = await createCrm();
      const disabled = await api()
        .post(`/api/v1/workspaces/${wsA}/installations/${other.id}/actions/ping`)
        .set(as(ADMIN))
        .send({ input: { message: 'x' } })
        .expect(409);
      expect(disabled.body.code).toBe('INSTALLATION_DISABLED');
    });

    it('a permanent error: exactly one attempt, dead letter with code and reason', async () => {
      const res = await invoke('reject', { key: 'rej-1' }).expect(202);
      const { state: s, job } = await settled(inspect.crm, res.body.jobId);
      expect(s).toBe('failed');
      expect(job.attemptsMade).toBe(1);
      expect(state.calls.get('rej-1')).toBe(1);
      const rows = (await deadLettersOf(id)).filter((r: { payload: { input: { key: string } } }) => r.payload.input.key === 'rej-1');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({
        workspace_id: wsA,
        queue: 'connector-host-int-crm',
        job_name: 'action:reject',
        error_code: 'PERMANENT_API_ERROR',
        reason: 'Int CRM refused the contact: email is invalid',
        attempts: 1,
      });
    });

    it("a connector's error message is scrubbed of secret values before it is stored", async () => {
      const res = await invoke('leak', { key: 'leak-1' }).expect(202);
      await settled(inspect.crm, res.body.jobId);
      const rows = (await deadLettersOf(id)).filter((r: { job_name: string }) => r.job_name === 'action:leak');
      expect(rows[0].reason).toBe('request with key [redacted] was refused');
    });

    it('a refused credential dead-letters the action and flags the installation needs_attention', async () => {
      const other = await createCrm(wsA, { enabled: true });
      const res = await api()
        .post(`/api/v1/workspaces/${wsA}/installations/${other.id}/actions/unauthorized`)
        .set(as(ADMIN))
        .send({ input: { key: 'auth-1' } })
        .expect(202);
      expect((await settled(inspect.crm, res.body.jobId)).state).toBe('failed');
      const [row] = await deadLettersOf(other.id);
      expect(row).toMatchObject({ error_code: 'AUTH_FAILED', attempts: 1 });
      const view = await api().get(`/api/v1/workspaces/${wsA}/installations/${other.id}`).set(as(ADMIN)).expect(200);
      expect(view.body).toMatchObject({ enabled: true, status: 'needs_attention', statusMessage: 'Int CRM refused the API key (401)' });
      // A passing check puts it back to ok.
      await api().post(`/api/v1/workspaces/${wsA}/installations/${other.id}/check`).set(as(ADMIN)).expect(200);
      const fixed = await api().get(`/api/v1/workspaces/${wsA}/installations/${other.id}`).set(as(ADMIN)).expect(200);
      expect(fixed.body.status).toBe('ok');
    });

    it('a retryable error is retried and then succeeds', async () => {
      const res = await invoke('flaky', { key: 'flaky-1' }).expect(202);
      const { state: s, job } = await settled(inspect.crm, res.body.jobId);
      expect(s).toBe('completed');
      expect(state.calls.get('flaky-1')).toBe(3);
      expect(job.attemptsMade).toBe(3);
    });

    it('a rate-limited action waits for retry-after, then succeeds without spending an attempt', async () => {
      const res = await invoke('throttle', { key: 'thr-1' }).expect(202);
      const { state: s, job } = await settled(inspect.crm, res.body.jobId);
      expect(s).toBe('completed');
      expect(job.attemptsMade).toBe(1);
      expect(job.attemptsStarted).toBe(2);
      expect((job.finishedOn ?? 0) - job.timestamp).toBeGreaterThanOrEqual(300);
    });

    it('exhausted retries land in the dead letters; replay through the API runs it again', async () => {
      const res = await invoke('down', { key: 'down-1' }).expect(202);
      expect((await settled(inspect.crm, res.body.jobId)).state).toBe('failed');
      expect(state.calls.get('down-1')).toBe(3);
      const [row] = (await deadLettersOf(id)).filter((r: { job_name: string }) => r.job_name === 'action:down');
      expect(row).toMatchObject({ error_code: 'RETRYABLE', attempts: 3, reason: 'Failed after 3 attempts: Int CRM is down' });
      const listed = await api().get(`/api/v1/workspaces/${wsA}/dead-letters?limit=500`).set(as(VIEWER)).expect(200);
      expect(listed.body.items).toContainEqual(expect.objectContaining({ id: row.id, installationId: id, jobName: 'action:down', errorCode: 'RETRYABLE' }));

      state.healed.add('down-1');
      const replay = await api().post(`/api/v1/workspaces/${wsA}/dead-letters/${row.id}/replay`).set(as(ADMIN)).expect(202);
      const { state: s } = await settled(inspect.crm, replay.body.jobId);
      expect(s).toBe('completed');
      expect(state.calls.get('down-1')).toBe(4);
      const [after] = await ds.query(`SELECT replay_count FROM dead_letters WHERE id = $1`, [row.id]);
      expect(after.replay_count).toBe(1);
    });

    it('an action enqueued before a disable is dead-lettered as INSTALLATION_DISABLED (replayable)', async () => {
      const other = await createCrm(wsA, { enabled: true });
      await api().post(`/api/v1/workspaces/${wsA}/installations/${other.id}/disable`).set(as(ADMIN)).expect(200);
      const job = await inspect.crm.add('action:ping', { workspaceId: wsA, installationId: other.id, actionKey: 'ping', input: { message: 'late' } });
      expect((await settled(inspect.crm, String(job.id))).state).toBe('failed');
      const [row] = await deadLettersOf(other.id);
      expect(row).toMatchObject({ error_code: 'INSTALLATION_DISABLED', attempts: 1 });
    });

    it('a job with a forged payload fails without running anything', async () => {
      const job = await inspect.crm.add('action:ping', { workspaceId: wsA, installationId: id, actionKey: 'reject', input: {} });
      expect((await settled(inspect.crm, String(job.id))).state).toBe('failed');
      const [row] = (await deadLettersOf(id)).filter((r: { error_code: string }) => r.error_code === 'INVALID_PAYLOAD');
      expect(row.reason).toContain('payload names "reject" but the job is "action:ping"');
      const junk = await inspect.crm.add('action:ping', { workspaceId: 'x' });
      expect((await settled(inspect.crm, String(junk.id))).state).toBe('failed');
    });
  });

  describe('tenancy and roles', () => {
    it("another workspace's installation answers 404 on every route, even for a member of both", async () => {
      const { id } = await createCrm(wsA);
      const base = `/api/v1/workspaces/${wsB}/installations/${id}`;
      const routes = [
        api().get(base),
        api().patch(base).send({ name: 'hijacked' }),
        api().delete(base),
        api().post(`${base}/check`),
        api().post(`${base}/enable`),
        api().post(`${base}/disable`),
        api().post(`${base}/actions/ping`).send({ input: { message: 'x' } }),
      ];
      for (const route of routes) {
        const res = await route.set(as(ADMIN));
        expect(res.status).toBe(404);
        expect(res.body).toMatchObject({ statusCode: 404, code: 'INSTALLATION_NOT_FOUND' });
      }
      const list = await api().get(`/api/v1/workspaces/${wsB}/installations`).set(as(ADMIN)).expect(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(id);
      const still = await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(ADMIN)).expect(200);
      expect(still.body).toMatchObject({ name: 'CRM', enabled: false });
      await api().get(`/api/v1/workspaces/${wsA}/installations/not-a-uuid`).set(as(ADMIN)).expect(404);
    });

    it('a workspace the caller cannot see is 404; a viewer reads but cannot write', async () => {
      const { id } = await createCrm(wsA);
      await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(OUTSIDER)).expect(404);
      await api().get(`/api/v1/workspaces/${wsA}/installations`).set(as(OUTSIDER)).expect(404);
      await api().get(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(VIEWER)).expect(200);
      await api().patch(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(VIEWER)).send({ name: 'v' }).expect(403);
      await api().post(`/api/v1/workspaces/${wsA}/installations/${id}/enable`).set(as(VIEWER)).expect(403);
      await api().delete(`/api/v1/workspaces/${wsA}/installations/${id}`).set(as(VIEWER)).expect(403);
      await api()
        .post(`/api/v1/workspaces/${wsA}/installations`)
        .set(as(VIEWER))
        .send({ connectorId: 'host-int-crm', name: 'x', settings: { apiKey: CANARY } })
        .expect(403);
    });
  });

  describe('shutdown', () => {
    let slowInstallation: string;

    it('app.close() while an action runs lets it finish: completed, not stalled', async () => {
      const { id } = await createCrm(wsA, { enabled: true });
      slowInstallation = id;
      const res = await api()
        .post(`/api/v1/workspaces/${wsA}/installations/${id}/actions/slow`)
        .set(as(ADMIN))
        .send({ input: { key: 'slow-1', ms: 1500 } })
        .expect(202);
      await waitFor(() => state.slow.get('slow-1') === 'started');
      await app.close();
      expect(state.slow.get('slow-1')).toBe('finished');
      const job = await mustFind(inspect.crm, res.body.jobId);
      expect(await job.getState()).toBe('completed');
      expect(await inspect.crm.getActiveCount()).toBe(0);
    });

    it('past HUB_SHUTDOWN_TIMEOUT_MS a job that ignores its signal is returned to the queue, attempt not spent', async () => {
      const short = loadConfig({ ...process.env, HUB_SHUTDOWN_TIMEOUT_MS: '1200' });
      const worker = await createApp(short, { api: false, workers: true });
      const job = await inspect.crm.add('action:slow', {
        workspaceId: wsA,
        installationId: slowInstallation,
        actionKey: 'slow',
        input: { key: 'slow-2', ms: 20_000, ignoreSignal: true },
      });
      await waitFor(() => state.slow.get('slow-2') === 'started');
      const started = Date.now();
      await worker.close();
      expect(Date.now() - started).toBeLessThan(5000);
      const fresh = await mustFind(inspect.crm, String(job.id));
      expect(await fresh.getState()).toBe('waiting');
      expect(fresh.attemptsMade).toBe(0);
      expect(await inspect.crm.getActiveCount()).toBe(0);
      await fresh.remove();
    });
  });
});
