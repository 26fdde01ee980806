import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AdminUsersService, AuthModule } from '@hub/auth';
import { HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { QueueModule } from '@hub/queue';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { InboxDrain } from '../drain/inbox-drain.service';
import { ProfilesApiModule } from '../profiles-api.module';
import { insertInbox, segment, type TestSource } from '../testing/inbox-fixtures';

/** The profile API over HTTP, on data the real drain projected (real PostgreSQL and Redis). */
describe('profile API', () => {
  let app: INestApplication;
  let db: DataSource;
  let drain: InboxDrain;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const url = process.env.DATABASE_URL as string;
    await runMigrations(url);
    @Module({
      imports: [
        HubConfigModule.forRoot(loadConfig()),
        PersistenceModule.forRoot({ url, poolSize: 4 }),
        QueueModule.forRoot(),
        AuthModule,
        ProfilesApiModule,
      ],
    })
    class TestModule {}
    app = await NestFactory.create(TestModule, { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    db = app.get(DataSource);
    drain = new InboxDrain(db);
  });
  afterAll(() => app?.close());

  async function signUp() {
    const email = `p-${randomUUID().slice(0, 8)}@example.test`;
    const password = `pw-${randomUUID()}`;
    await app.get(AdminUsersService).create({ email, password });
    const login = await http().post('/api/v1/auth/login').send({ email, password }).expect(200);
    return { email, auth: `Bearer ${login.body.token}` };
  }

  async function tenant() {
    const owner = await signUp();
    const ws = await http().post('/api/v1/workspaces').set('authorization', owner.auth).send({ name: `P ${randomUUID().slice(0, 6)}` }).expect(201);
    const [inst] = await db.query(
      `INSERT INTO installations (workspace_id, connector_id, connector_version, name, enabled, status)
       VALUES ($1, 'segment-destination', '0.1.0', 'Segment', true, 'waiting_for_first_message') RETURNING id`,
      [ws.body.id],
    );
    const source: TestSource = { workspaceId: ws.body.id, installationId: inst.id };
    const get = (path: string) => http().get(`/api/v1/workspaces/${ws.body.id}${path}`).set('authorization', owner.auth);
    return { owner, ws: ws.body.id as string, source, get };
  }

  let a: Awaited<ReturnType<typeof tenant>>;
  let b: Awaited<ReturnType<typeof tenant>>;

  beforeAll(async () => {
    a = await tenant();
    b = await tenant();
    const ts = (day: number) => `2025-02-${String(day).padStart(2, '0')}T10:00:00.000Z`;
    await insertInbox(db, a.source, [
      segment({ type: 'group', userId: 'ada', groupId: 'acme', traits: { name: 'Acme Corp', plan: 'pro' }, timestamp: ts(1) }),
      segment({ type: 'group', userId: 'bob', groupId: 'globex', traits: { name: 'Globex' }, timestamp: ts(1) }),
      segment({ type: 'group', userId: 'cy', groupId: 'acme-labs', traits: { name: 'acme labs' }, timestamp: ts(1) }),
      segment({ type: 'identify', userId: 'ada', traits: { email: 'Ada@Acme.test', name: 'Ada' }, timestamp: ts(2) }),
      segment({ type: 'identify', userId: 'bob', traits: { email: 'bob@globex.test' }, timestamp: ts(2) }),
      segment({ type: 'identify', userId: 'cy', traits: { email: 'cy@acme.test' }, timestamp: ts(2) }),
      segment({ type: 'track', userId: 'ada', event: 'Report Built', messageId: 'a-1', context: { groupId: 'acme' }, timestamp: ts(3) }),
      segment({ type: 'track', userId: 'ada', event: 'Report Built', messageId: 'a-2', timestamp: ts(4) }),
      segment({ type: 'track', userId: 'bob', event: 'Logged In', messageId: 'b-1', timestamp: ts(5) }),
    ]);
    await drain.drainWorkspace(a.ws);
    await insertInbox(db, b.source, [segment({ type: 'group', userId: 'zed', groupId: 'b-corp', traits: { name: 'B Corp' } })]);
    await drain.drainWorkspace(b.ws);
  });

  const expectBadQuery = (res: request.Response, field: string) => {
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.message).toContain(field);
  };

  describe('accounts', () => {
    it('lists accounts with members and search by name prefix (any case) or groupId', async () => {
      const all = await a.get('/accounts').expect(200);
      expect(all.body.nextCursor).toBeNull();
      expect(all.body.items.map((x: { groupId: string }) => x.groupId).sort()).toEqual(['acme', 'acme-labs', 'globex']);
      const acme = all.body.items.find((x: { groupId: string }) => x.groupId === 'acme');
      expect(acme).toMatchObject({ name: 'Acme Corp', traits: { name: 'Acme Corp', plan: 'pro' }, memberCount: 1 });
      expect(Object.keys(acme).sort()).toEqual(['firstSeenAt', 'groupId', 'id', 'lastSeenAt', 'memberCount', 'name', 'traits']);

      const byName = await a.get('/accounts?q=ACME').expect(200);
      expect(byName.body.items.map((x: { groupId: string }) => x.groupId).sort()).toEqual(['acme', 'acme-labs']);
      const byGroup = await a.get('/accounts?q=glob').expect(200);
      expect(byGroup.body.items.map((x: { groupId: string }) => x.groupId)).toEqual(['globex']);
      // LIKE wildcards are taken literally.
      expect((await a.get('/accounts?q=%25').expect(200)).body.items).toEqual([]);
    });

    it('pages with an opaque cursor, each account once', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: request.Response = await a.get(`/accounts?limit=1${cursor ? `&cursor=${cursor}` : ''}`).expect(200);
        expect(res.body.items).toHaveLength(1);
        seen.push(res.body.items[0].groupId);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen.sort()).toEqual(['acme', 'acme-labs', 'globex']);
    });

    it('shows an account with its members, trait sources and recent events', async () => {
      const list = await a.get('/accounts?q=acme%20corp').expect(200);
      const res = await a.get(`/accounts/${list.body.items[0].id}`).expect(200);
      expect(res.body.members).toEqual([expect.objectContaining({ userId: 'ada', email: 'Ada@Acme.test' })]);
      expect(res.body.traitSources.plan).toEqual({ installationId: a.source.installationId, at: '2025-02-01T10:00:00.000Z' });
      // Newest first: a-2 by ada's last associated account, a-1 by context.groupId, ada's identify
      // (also by her last account), and the group call itself.
      expect(res.body.recentEvents.map((e: { messageId: string; type: string }) => (e.type === 'track' ? e.messageId : e.type))).toEqual([
        'a-2',
        'a-1',
        'identify',
        'group',
      ]);
    });

    it('answers another workspace’s account, a missing one and a non-UUID with the same 404', async () => {
      const theirs = (await b.get('/accounts').expect(200)).body.items[0].id;
      const foreign = await a.get(`/accounts/${theirs}`);
      const missing = await a.get(`/accounts/${randomUUID()}`);
      const junk = await a.get('/accounts/not-a-uuid');
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(missing.body);
      expect(junk.body).toEqual(missing.body);
      expect(foreign.body.code).toBe('ACCOUNT_NOT_FOUND');
    });
  });

  describe('users', () => {
    it('lists users with their anonymous ids and accounts, searchable by email or userId', async () => {
      const all = await a.get('/users').expect(200);
      expect(all.body.items).toHaveLength(3);
      const ada = all.body.items.find((u: { userId: string }) => u.userId === 'ada');
      expect(Object.keys(ada).sort()).toEqual(['accountIds', 'anonymousIds', 'email', 'firstSeenAt', 'id', 'lastSeenAt', 'traits', 'userId']);
      expect(ada.accountIds).toHaveLength(1);
      expect((await a.get('/users?q=ada@ACME').expect(200)).body.items.map((u: { userId: string }) => u.userId)).toEqual(['ada']);
      expect((await a.get('/users?q=bo').expect(200)).body.items.map((u: { userId: string }) => u.userId)).toEqual(['bob']);

      const acmeId = ada.accountIds[0];
      const members = await a.get(`/users?accountId=${acmeId}`).expect(200);
      expect(members.body.items.map((u: { userId: string }) => u.userId)).toEqual(['ada']);
      const user = await a.get(`/users/${ada.id}`).expect(200);
      expect(user.body.traitSources.email.installationId).toBe(a.source.installationId);
    });

    it('answers another workspace’s user like a missing one', async () => {
      const theirs = (await b.get('/users').expect(200)).body.items[0].id;
      const foreign = await a.get(`/users/${theirs}`);
      const missing = await a.get(`/users/${randomUUID()}`);
      expect(foreign.status).toBe(404);
      expect(foreign.body).toEqual(missing.body);
      // Another workspace's account as a filter finds nothing rather than leaking.
      const theirAccount = (await b.get('/accounts').expect(200)).body.items[0].id;
      expect((await a.get(`/users?accountId=${theirAccount}`).expect(200)).body.items).toEqual([]);
    });
  });

  describe('events', () => {
    it('filters by type, event, userId, accountId and time, newest first', async () => {
      const all = await a.get('/events').expect(200);
      expect(all.body.items).toHaveLength(9);
      expect(Object.keys(all.body.items[0])).toEqual(
        expect.arrayContaining(['id', 'messageId', 'type', 'event', 'userId', 'anonymousId', 'accountId', 'properties', 'context', 'timestamp', 'receivedAt', 'sourceId']),
      );
      expect(all.body.items[0].sourceId).toBe(a.source.installationId);
      const ids = (res: request.Response) => res.body.items.map((e: { messageId: string }) => e.messageId);
      expect(ids(await a.get('/events?type=track').expect(200))).toEqual(['b-1', 'a-2', 'a-1']);
      expect(ids(await a.get('/events?event=Report%20Built').expect(200))).toEqual(['a-2', 'a-1']);
      expect(ids(await a.get('/events?type=track&userId=bob').expect(200))).toEqual(['b-1']);
      const acme = (await a.get('/accounts?q=acme%20c').expect(200)).body.items[0].id;
      expect(ids(await a.get(`/events?type=track&accountId=${acme}`).expect(200))).toEqual(['a-2', 'a-1']);
      expect(ids(await a.get('/events?type=track&since=2025-02-04T00:00:00Z&until=2025-02-04T23:59:59Z').expect(200))).toEqual(['a-2']);

      const first = await a.get('/events?type=track&limit=2').expect(200);
      expect(ids(first)).toEqual(['b-1', 'a-2']);
      expect(ids(await a.get(`/events?type=track&limit=2&cursor=${first.body.nextCursor}`).expect(200))).toEqual(['a-1']);
    });

    it('rejects bad query parameters with a 400 naming the field', async () => {
      expectBadQuery(await a.get('/events?limit=0'), 'limit');
      expectBadQuery(await a.get('/events?limit=501'), 'limit');
      expectBadQuery(await a.get('/events?limit=ten'), 'limit');
      expectBadQuery(await a.get('/events?type=click'), 'type');
      expectBadQuery(await a.get('/events?accountId=42'), 'accountId');
      expectBadQuery(await a.get('/events?since=yesterday'), 'since');
      expectBadQuery(await a.get('/events?until=2025-13-01'), 'until');
      expectBadQuery(await a.get('/events?userId=a&userId=b'), 'userId');
      expectBadQuery(await a.get('/events?colour=red'), 'colour');
      expectBadQuery(await a.get('/users?accountId=nope'), 'accountId');
      expectBadQuery(await a.get('/catalog/traits?entity=group'), 'entity');
      expectBadQuery(await a.get('/accounts?limit=-1'), 'limit');
      const cursor = await a.get('/events?cursor=garbage');
      expect(cursor.status).toBe(400);
      expect(cursor.body.code).toBe('INVALID_CURSOR');
      const wrongShape = await a.get(`/accounts?cursor=${Buffer.from('["1"]').toString('base64url')}`);
      expect(wrongShape.body.code).toBe('INVALID_CURSOR');
    });
  });

  describe('catalog', () => {
    it('lists trait keys per entity and event names with counts', async () => {
      const users = await a.get('/catalog/traits?entity=user').expect(200);
      expect(users.body.items.map((t: { key: string; count: number }) => [t.key, t.count])).toEqual([
        ['email', 3],
        ['name', 1],
      ]);
      expect(users.body.items[0]).toMatchObject({ entity: 'user', type: 'string', firstSeenAt: '2025-02-02T10:00:00.000Z' });
      const all = await a.get('/catalog/traits?limit=2').expect(200);
      expect(all.body.items.map((t: { entity: string; key: string }) => `${t.entity}.${t.key}`)).toEqual(['account.name', 'account.plan']);
      const next = await a.get(`/catalog/traits?limit=2&cursor=${all.body.nextCursor}`).expect(200);
      expect(next.body.items.map((t: { entity: string; key: string }) => `${t.entity}.${t.key}`)).toEqual(['user.email', 'user.name']);

      const events = await a.get('/catalog/events').expect(200);
      expect(events.body.items).toEqual([
        expect.objectContaining({ name: 'Logged In', status: 'tracked', count: 1, ignoredCount: 0 }),
        expect.objectContaining({ name: 'Report Built', status: 'tracked', count: 2, ignoredCount: 0 }),
      ]);
    });

    it('ignores an event name: the drain then drops and counts it', async () => {
      const res = await http()
        .patch(`/api/v1/workspaces/${a.ws}/catalog/events/Logged%20In`)
        .set('authorization', a.owner.auth)
        .send({ status: 'ignored' })
        .expect(200);
      expect(res.body).toMatchObject({ name: 'Logged In', status: 'ignored', count: 1 });
      await insertInbox(db, a.source, [segment({ type: 'track', userId: 'bob', event: 'Logged In' })]);
      await drain.drainWorkspace(a.ws);
      const events = await a.get('/catalog/events').expect(200);
      expect(events.body.items[0]).toMatchObject({ name: 'Logged In', status: 'ignored', count: 1, ignoredCount: 1 });
      const bad = await http().patch(`/api/v1/workspaces/${a.ws}/catalog/events/x`).set('authorization', a.owner.auth).send({ status: 'muted' });
      expect(bad.status).toBe(400);
      expect(bad.body.message).toContain('status');
    });

    it('lets viewers read but not change the catalog or the settings', async () => {
      const viewer = await signUp();
      await http().post(`/api/v1/workspaces/${a.ws}/members`).set('authorization', a.owner.auth).send({ email: viewer.email, role: 'viewer' }).expect(201);
      await http().get(`/api/v1/workspaces/${a.ws}/catalog/events`).set('authorization', viewer.auth).expect(200);
      const patch = await http().patch(`/api/v1/workspaces/${a.ws}/catalog/events/x`).set('authorization', viewer.auth).send({ status: 'ignored' });
      expect(patch.status).toBe(403);
      const put = await http()
        .put(`/api/v1/workspaces/${a.ws}/model-settings`)
        .set('authorization', viewer.auth)
        .send({ accountNameTrait: 'name', userEmailTrait: 'email', accountIdProperty: null, pageEvents: true });
      expect(put.status).toBe(403);
    });
  });

  describe('model settings', () => {
    it('answers defaults, validates a PUT field by field, and applies new name and email traits to stored profiles', async () => {
      const t = await tenant();
      expect((await t.get('/model-settings').expect(200)).body).toEqual({
        accountNameTrait: 'name',
        userEmailTrait: 'email',
        accountIdProperty: null,
        pageEvents: false,
      });
      await insertInbox(db, t.source, [
        segment({ type: 'group', userId: 'u', groupId: 'g', traits: { name: 'Short', legal_name: 'Long Name Ltd' } }),
        segment({ type: 'identify', userId: 'u', traits: { email: 'a@x.test', work_email: 'u@work.test' } }),
      ]);
      await drain.drainWorkspace(t.ws);
      const put = (body: unknown) => http().put(`/api/v1/workspaces/${t.ws}/model-settings`).set('authorization', t.owner.auth).send(body as object);
      const bad = await put({ accountNameTrait: '', userEmailTrait: 'email', pageEvents: 'yes', extra: 1 });
      expect(bad.status).toBe(400);
      for (const field of ['accountNameTrait', 'accountIdProperty', 'pageEvents', 'extra']) expect(bad.body.message).toContain(field);
      const ok = await put({ accountNameTrait: 'legal_name', userEmailTrait: 'work_email', accountIdProperty: 'accountId', pageEvents: true });
      expect(ok.status).toBe(200);
      expect((await t.get('/model-settings').expect(200)).body).toEqual({
        accountNameTrait: 'legal_name',
        userEmailTrait: 'work_email',
        accountIdProperty: 'accountId',
        pageEvents: true,
      });
      expect((await t.get('/accounts').expect(200)).body.items[0].name).toBe('Long Name Ltd');
      expect((await t.get('/users?q=u@work').expect(200)).body.items[0].email).toBe('u@work.test');
    });

    it('answers another workspace with 404 WORKSPACE_NOT_FOUND before reading anything', async () => {
      const res = await http().get(`/api/v1/workspaces/${b.ws}/model-settings`).set('authorization', a.owner.auth);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('WORKSPACE_NOT_FOUND');
      const badQuery = await http().get(`/api/v1/workspaces/${b.ws}/events?limit=0`).set('authorization', a.owner.auth);
      expect(badQuery.status).toBe(404);
    });
  });
});
