/**
 * The delivery ledger with the real segment-source connector against the Tracking API stand-in,
 * on real PostgreSQL and Redis, admin API and workers in process. (Cross-project, like the e2e
 * tests: a platform library may not import a connector, so this lives outside both.)
 */
import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, TestRoles } from '@hub/auth/testing';
import { HUB_CONFIG, type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { segmentSourceConnector } from '@hub/connector-segment-source';
import { DeliveryModule, DeliveryRecorder, DeliveryWorkerModule, FANOUT_INBOX_JOB, fanoutJobOptions, SUBSCRIPTIONS_QUEUE } from '@hub/delivery';
import { HostModule, HostWorkerModule } from '@hub/host';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { DeadLettersApiModule, QueueModule, QueueRegistry } from '@hub/queue';
import { SegmentStandIn } from '@hub/testing';
import { VaultModule } from '@hub/vault';
import request from 'supertest';
import { DataSource } from 'typeorm';

jest.setTimeout(90_000);

const KEY = 'integrationWriteKey0001';
const ADMIN = randomUUID();
const roles = new TestRoles();

async function createApp(config: HubEnv): Promise<INestApplication> {
  const connectors = [segmentSourceConnector];
  @Module({
    imports: [
      HubConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 12 }),
      VaultModule,
      QueueModule.forRoot({ attempts: 6, backoffDelayMs: 300 }),
      HeaderAuthModule.forRoot(roles),
      DeadLettersApiModule,
      HostModule.forRoot({ connectors }),
      DeliveryModule.forRoot(),
      HostWorkerModule.forRoot({ connectors }),
      DeliveryWorkerModule.forRoot(),
    ],
  })
  class TestAppModule {}
  const app = await NestFactory.create(TestAppModule, { logger: process.env.H4_DEBUG ? ['error', 'warn', 'log'] : false });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return app;
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Segment deliveries (ledger + segment-source + stand-in)', () => {
  let app: INestApplication;
  let ds: DataSource;
  let s: SegmentStandIn;
  let ws: string;
  let other: string;
  let installationId: string;
  const api = () => request(app.getHttpServer());
  const as = { 'x-test-user': ADMIN };

  beforeAll(async () => {
    const config = loadConfig({ ...process.env, HUB_SEGMENT_ALLOW_CUSTOM_HOST: 'true', HUB_DELIVERY_RELAY_INTERVAL_MS: '500', DATABASE_POOL_SIZE: '12' });
    await runMigrations(config.DATABASE_URL);
    s = await SegmentStandIn.start({ writeKeys: [KEY], keepBodies: 20 });
    app = await createApp(config);
    ds = app.get(DataSource);
    [ws, other] = [randomUUID(), randomUUID()];
    for (const id of [ws, other]) await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Delivery test', $2)`, [id, `d-${id}`]);
    roles.set(ADMIN, new Map([[ws, 'owner'], [other, 'owner']]));
    const created = await api()
      .post(`/api/v1/workspaces/${ws}/installations`)
      .set(as)
      .send({ connectorId: 'segment-source', name: 'Segment', settings: { region: 'us', writeKey: KEY, endpoint: s.url }, enabled: true });
    expect(created.status).toBe(201);
    expect(created.body.settings).toMatchObject({ writeKey: '••••••', endpoint: s.url });
    installationId = created.body.id;
  });

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    await s?.stop();
  });

  beforeEach(() => s.reset());

  const invoke = (action: string, input: unknown, wsId = ws, inst = installationId) =>
    api().post(`/api/v1/workspaces/${wsId}/installations/${inst}/actions/${action}`).set(as).send({ input });
  const delivery = (id: string) => api().get(`/api/v1/workspaces/${ws}/deliveries/${id}`).set(as);
  const settled = (id: string, status = 'sent') =>
    waitFor(async () => {
      const res = await delivery(id);
      return res.body.status === status ? res.body : undefined;
    });
  const pendingCount = async () => Number((await ds.query(`SELECT count(*) FROM deliveries WHERE installation_id = $1 AND status IN ('queued','failed')`, [installationId]))[0].count);

  it('POST .../actions/track -> 202 {deliveryId}; the delivery is sent once, with its messageId', async () => {
    const res = await invoke('track', { userId: 'u-1', event: 'Signed Up', properties: { plan: 'pro' } }).expect(202);
    expect(res.body).toEqual({ deliveryId: expect.any(String) });
    const sent = await settled(res.body.deliveryId);
    expect(sent).toMatchObject({ id: res.body.deliveryId, action: 'track', status: 'sent', attempts: 1, lastError: null, source: 'api', sentAt: expect.any(String) });
    expect(sent.messageIds).toHaveLength(1);
    expect(s.received.get(sent.messageIds[0])).toBe(1);
    const [message] = s.accepted;
    expect(message.message).toMatchObject({ event: 'Signed Up', context: { hubOrigin: { installationId } } });
    // The input (personal data) is dropped from the ledger once sent.
    const [row] = await ds.query(`SELECT input FROM deliveries WHERE id = $1`, [res.body.deliveryId]);
    expect(row.input).toBeNull();
  });

  it('refuses the custom endpoint setting while HUB_SEGMENT_ALLOW_CUSTOM_HOST is off (save and run time)', async () => {
    const config = app.get<HubEnv>(HUB_CONFIG);
    config.HUB_SEGMENT_ALLOW_CUSTOM_HOST = false;
    try {
      const refused = await api()
        .post(`/api/v1/workspaces/${ws}/installations`)
        .set(as)
        .send({ connectorId: 'segment-source', name: 'Gated', settings: { writeKey: KEY, endpoint: s.url } })
        .expect(400);
      expect(refused.body.fields).toEqual([{ path: 'settings.endpoint', message: expect.stringContaining('HUB_SEGMENT_ALLOW_CUSTOM_HOST=true') }]);
      // An installation saved while it was on stops using the endpoint: its check fails with the reason.
      const check = await api().post(`/api/v1/workspaces/${ws}/installations/${installationId}/check`).set(as).expect(200);
      expect(check.body).toEqual({ ok: false, message: expect.stringContaining('settings.endpoint is refused on this hub') });
    } finally {
      config.HUB_SEGMENT_ALLOW_CUSTOM_HOST = true;
    }
    await api().post(`/api/v1/workspaces/${ws}/installations/${installationId}/check`).set(as).expect(200);
    await api().post(`/api/v1/workspaces/${ws}/installations/${installationId}/enable`).set(as).expect(200);
  });

  it('400 naming each bad field; 404 for an unknown action and for another workspace', async () => {
    const bad = await invoke('identify', { traits: { email: 7, createdAt: 'soon' } }).expect(400);
    expect(bad.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['input.traits.createdAt', 'input.traits.email', 'input.userId']);
    expect((await invoke('explode', {}).expect(404)).body.code).toBe('ACTION_NOT_FOUND');
    expect((await invoke('track', { userId: 'u', event: 'E' }, other).expect(404)).body.code).toBe('INSTALLATION_NOT_FOUND');
    const big = await invoke('track', { userId: 'u', event: 'E', properties: { blob: 'x'.repeat(40_000) } }).expect(400);
    expect(big.body.fields[0]).toMatchObject({ path: 'input', message: expect.stringContaining('32 KB') });
    expect(s.requests).toEqual([]);
  });

  it('lists deliveries by installation and status; another workspace sees nothing', async () => {
    const res = await invoke('identify', { userId: 'u-list', traits: { email: 'l@example.com' } }).expect(202);
    await settled(res.body.deliveryId);
    const list = await api().get(`/api/v1/workspaces/${ws}/deliveries?installationId=${installationId}&status=sent&limit=2`).set(as).expect(200);
    expect(list.body.items.length).toBeGreaterThan(0);
    expect(list.body.items.every((d: { status: string }) => d.status === 'sent')).toBe(true);
    await api().get(`/api/v1/workspaces/${ws}/deliveries?status=lost`).set(as).expect(400);
    await api().get(`/api/v1/workspaces/${other}/deliveries/${res.body.deliveryId}`).set(as).expect(404);
    const foreign = await api().get(`/api/v1/workspaces/${other}/deliveries`).set(as).expect(200);
    expect(foreign.body.items).toEqual([]);
  });

  it('Segment down for a while: nothing is lost, batches stay under the limits, every messageId arrives exactly once', async () => {
    await s.down();
    const recorder = app.get(DeliveryRecorder);
    const messages = Array.from({ length: 3000 }, (_, i) => ({ input: { userId: `u-${i % 50}`, event: 'Viewed', properties: { i, note: 'ü'.repeat(300) } } }));
    const results = await recorder.recordMany(ws, installationId, 'track', messages);
    expect(results.every((r) => r.status === 'queued')).toBe(true);
    // The flush fails against the closed port, and the rows wait in Postgres as `failed`.
    await waitFor(async () => Number((await ds.query(`SELECT count(*) FROM deliveries WHERE installation_id = $1 AND status = 'failed'`, [installationId]))[0].count) > 0);
    await new Promise((r) => setTimeout(r, 1500));
    await s.up();
    await waitFor(async () => (await pendingCount()) === 0, 60_000);
    expect(s.distinctMessages).toBe(3000);
    expect(s.duplicates()).toEqual([]);
    expect(s.violations).toBe(0);
    const accepted = s.requests.filter((r) => r.status === 200);
    expect(Math.min(...accepted.map((r) => r.events))).toBeGreaterThan(0);
    for (const r of accepted) expect(r.bytes).toBeLessThanOrEqual(480 * 1024);
    const rows = await ds.query(`SELECT status, attempts FROM deliveries WHERE id = ANY($1::uuid[])`, [results.map((r) => r.deliveryId)]);
    expect(rows.every((r: { status: string }) => r.status === 'sent')).toBe(true);
    // The first claims were tried while Segment was down: their attempts count the failure.
    expect(rows.some((r: { attempts: number }) => r.attempts >= 2)).toBe(true);
  });

  it('429 with Retry-After delays the flush without spending an attempt, then sends', async () => {
    s.rateLimitNext(1, 1);
    const started = Date.now();
    const res = await invoke('track', { userId: 'u', event: 'Throttled' }).expect(202);
    const sent = await settled(res.body.deliveryId);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(sent.attempts).toBe(2);
    expect(s.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('an oversize event is dead-lettered, never sent; a 400 is dead-lettered and replayable', async () => {
    const recorder = app.get(DeliveryRecorder);
    // Under 32 KB as input, over it once the library adds its context: dead at send time.
    const [oversize] = await recorder.recordMany(ws, installationId, 'track', [
      { input: { userId: 'u', event: 'Big', properties: { blob: 'x'.repeat(32 * 1024 - 150) } } },
    ]);
    const dead = await settled(oversize.deliveryId, 'dead');
    expect(dead.lastError).toContain('32 KB');
    expect(s.requests.filter((r) => r.status === 200 && r.events > 0)).toEqual([]);

    s.failNext(1, { status: 400, body: { message: 'malformed' } });
    const res = await invoke('group', { userId: 'u', groupId: 'acme', traits: { name: 'Acme' } }).expect(202);
    const refused = await settled(res.body.deliveryId, 'dead');
    expect(refused.lastError).toContain('HTTP 400');
    const letters = await api().get(`/api/v1/workspaces/${ws}/dead-letters`).set(as).expect(200);
    const letter = letters.body.items.find((l: { reason: string }) => l.reason.includes('HTTP 400'));
    expect(letter).toMatchObject({ queue: 'delivery', jobName: 'redeliver', errorCode: 'PERMANENT_API_ERROR', installationId });
    await api().post(`/api/v1/workspaces/${ws}/dead-letters/${letter.id}/replay`).set(as).expect(202);
    const replayed = await settled(res.body.deliveryId);
    expect(replayed.attempts).toBe(2);
    expect(s.received.get(replayed.messageIds[0])).toBe(1);
  });

  it('the programmatic entry records invalid messages as dead with their reasons, and skips duplicate keys', async () => {
    const recorder = app.get(DeliveryRecorder);
    const first = await recorder.recordMany(ws, installationId, 'identify', [
      { input: { userId: 'w-1', traits: { email: 'a@b.c' } }, key: 'row-1' },
      { input: { traits: { email: 1 } }, key: 'row-2' },
    ]);
    expect(first.map((r) => r.status)).toEqual(['queued', 'dead']);
    expect(first[1].errors?.map((e) => e.path).sort()).toEqual(['input.traits.email', 'input.userId']);
    const again = await recorder.recordMany(ws, installationId, 'identify', [{ input: { userId: 'w-1', traits: { email: 'a@b.c' } }, key: 'row-1' }]);
    expect(again[0].status).toBe('duplicate');
    await settled(first[0].deliveryId);
  });

  it('validates once when recorded: rows checked by the running connector version are sent as stored, others are validated again', async () => {
    const recorder = app.get(DeliveryRecorder);
    const [ok] = await recorder.recordMany(ws, installationId, 'track', [{ input: { userId: 'v-1', event: 'Checked', messageId: 'checked-1' } }]);
    const [row] = (await ds.query(`SELECT checked_version, input::text AS input FROM deliveries WHERE id = $1`, [ok.deliveryId])) as { checked_version: string; input: string }[];
    expect(row.checked_version).toBe(segmentSourceConnector.version);
    expect(JSON.parse(row.input)).toEqual({ userId: 'v-1', event: 'Checked', messageId: 'checked-1' });
    await settled(ok.deliveryId);

    // Recorded by another version (an upgrade happened meanwhile) and invalid for this one: dead, never sent.
    const stale = randomUUID();
    await ds.query(
      `INSERT INTO deliveries (id, workspace_id, installation_id, action, status, input, input_bytes, message_ids, source, checked_version)
       VALUES ($1, $2, $3, 'track', 'queued', $4, 40, '{stale-1}', 'programmatic', '0.0.1')`,
      [stale, ws, installationId, JSON.stringify({ userId: 'v-2', event: '', messageId: 'stale-1' })],
    );
    await app.get(DeliveryRecorder).enqueueFlush(ws, installationId);
    const dead = await settled(stale, 'dead');
    expect(dead.lastError).toContain('invalid');
    expect(s.received.has('stale-1')).toBe(false);
  });

  describe('subscriptions', () => {
    const subs = (inst = installationId, wsId = ws) => `/api/v1/workspaces/${wsId}/installations/${inst}/subscriptions`;
    const signedUp = {
      action: 'track',
      filter: { on: 'event', types: ['track'], events: ['Signed Up'] },
      mapping: { fields: { userId: { path: 'userId' }, event: { value: 'Signed Up' }, 'properties.plan': { path: 'properties.plan', default: 'free' } } },
    };

    it('validates on save, naming each field; another workspace is a 404', async () => {
      const badAction = await api().post(subs()).set(as).send({ ...signedUp, action: 'launch' }).expect(400);
      expect(badAction.body.fields).toEqual([{ path: 'action', message: expect.stringContaining('is not an action') }]);
      const badMapping = await api()
        .post(subs())
        .set(as)
        .send({ ...signedUp, mapping: { fields: { user: { path: 'userId' }, event: { value: 3 } } } })
        .expect(400);
      expect(badMapping.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['mapping.fields.event', 'mapping.fields.user', 'mapping.fields.userId']);
      const badFilter = await api().post(subs()).set(as).send({ ...signedUp, filter: { on: 'event', types: ['click'], conditions: [{ path: '__proto__.x', op: 'exists' }] } }).expect(400);
      expect(badFilter.body.fields.map((f: { path: string }) => f.path).sort()).toEqual(['filter.conditions.0.path', 'filter.types.0']);
      await api().post(subs(installationId, other)).set(as).send(signedUp).expect(404);
    });

    it('CRUD: create, list, patch, delete; another workspace cannot see it', async () => {
      const created = await api().post(subs()).set(as).send({ ...signedUp, enabled: false }).expect(201);
      expect(created.body).toMatchObject({ action: 'track', enabled: false, installationId });
      const list = await api().get(subs()).set(as).expect(200);
      expect(list.body.items.map((i: { id: string }) => i.id)).toContain(created.body.id);
      const patched = await api().patch(`/api/v1/workspaces/${ws}/subscriptions/${created.body.id}`).set(as).send({ enabled: true }).expect(200);
      expect(patched.body.enabled).toBe(true);
      await api().get(`/api/v1/workspaces/${other}/subscriptions/${created.body.id}`).set(as).expect(404);
      await api().delete(`/api/v1/workspaces/${other}/subscriptions/${created.body.id}`).set(as).expect(404);
      await api().delete(`/api/v1/workspaces/${ws}/subscriptions/${created.body.id}`).set(as).expect(204);
      await api().get(`/api/v1/workspaces/${ws}/subscriptions/${created.body.id}`).set(as).expect(404);
    });

    it('fans out drained events: matching ones become deliveries, sent once, even when the fan-out runs twice', async () => {
      const created = await api().post(subs()).set(as).send(signedUp).expect(201);
      // What the drain leaves behind (H3's projection): a processed inbox row and its events.
      const [inbox] = await ds.query(
        `INSERT INTO inbox (workspace_id, installation_id, event_count, events, processed_at) VALUES ($1, $2, 2, '[]'::jsonb, now()) RETURNING id`,
        [ws, installationId],
      );
      const mid = randomUUID();
      for (const [messageId, event] of [[mid, 'Signed Up'], [randomUUID(), 'Logged In']]) {
        await ds.query(
          `INSERT INTO events (workspace_id, installation_id, inbox_id, message_id, type, event, user_id, properties, context, "timestamp", received_at)
           VALUES ($1, $2, $3, $4, 'track', $5, 'fan-user', '{"plan":"pro"}'::jsonb, '{}'::jsonb, now(), now())`,
          [ws, installationId, inbox.id, messageId, event],
        );
      }
      const queues = app.get(QueueRegistry);
      await queues.add(SUBSCRIPTIONS_QUEUE, FANOUT_INBOX_JOB, { workspaceId: ws }, fanoutJobOptions(ws));
      await s.waitForMessages(1, 20_000);
      const deliveries = await ds.query(`SELECT id, status, source, message_ids FROM deliveries WHERE subscription_id = $1`, [created.body.id]);
      expect(deliveries).toHaveLength(1);
      await waitFor(async () => (await ds.query(`SELECT status FROM deliveries WHERE id = $1`, [deliveries[0].id]))[0].status === 'sent');
      expect(s.accepted[0].message).toMatchObject({ event: 'Signed Up', userId: 'fan-user', properties: { plan: 'pro' } });

      // A repeated fan-out of the same inbox row (a crash before marking) adds nothing.
      await ds.query(`UPDATE inbox SET fanned_out_at = NULL WHERE id = $1`, [inbox.id]);
      await queues.add(SUBSCRIPTIONS_QUEUE, FANOUT_INBOX_JOB, { workspaceId: ws }, fanoutJobOptions(ws));
      await waitFor(async () => (await ds.query(`SELECT fanned_out_at FROM inbox WHERE id = $1`, [inbox.id]))[0].fanned_out_at !== null);
      await new Promise((r) => setTimeout(r, 500));
      expect(await ds.query(`SELECT id FROM deliveries WHERE subscription_id = $1`, [created.body.id])).toHaveLength(1);
      expect(s.duplicates()).toEqual([]);
      await api().delete(`/api/v1/workspaces/${ws}/subscriptions/${created.body.id}`).set(as).expect(204);
    });
  });
});
