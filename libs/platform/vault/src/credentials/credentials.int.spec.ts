import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, type TestRole, TestRoles } from '@hub/auth/testing';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import { CredentialsModule } from '../credentials.module';
import { VaultModule } from '../vault.module';
import { CredentialNeedsReauthError, CredentialNotFoundError } from '../vault.exception';
import { CredentialsService } from './credentials.service';

const roles = new TestRoles();

async function createApp(config: HubEnv): Promise<INestApplication> {
  @Module({
    imports: [
      HubConfigModule.forRoot(config),
      PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 4 }),
      VaultModule,
      HeaderAuthModule.forRoot(roles),
      CredentialsModule,
    ],
  })
  class TestAppModule {}
  const app = await NestFactory.create(TestAppModule, { logger: false });
  app.useGlobalFilters(new AllExceptionsFilter());
  await app.init();
  return app;
}

const OWNER = randomUUID();
// A loaded 2-core runner is slow; the jest project's testTimeout does not reach here.
jest.setTimeout(30_000);
const ADMIN = randomUUID();
const VIEWER = randomUUID();
const OUTSIDER = randomUUID();
const as = (user: string) => ({ 'x-test-user': user });

// Unique per run, so a hit can only come from this test's secrets.
const CANARY = `canary-${randomUUID()}`;
const canary = (field: string) => `${CANARY}-${field}`;
const VIEW_KEYS = ['createdAt', 'id', 'label', 'metadata', 'provider', 'status', 'type'];

describe('credentials and audit API (real PostgreSQL)', () => {
  let app: INestApplication;
  let ds: DataSource;
  let service: CredentialsService;
  let wsA: string;
  let wsB: string;
  const api = () => request(app.getHttpServer());
  const bodies: string[] = [];
  const track = <T extends { text: string }>(res: T): T => {
    bodies.push(res.text);
    return res;
  };
  const credentialsIn = async (ws: string) =>
    ((await ds.query(`SELECT count(*)::int AS n FROM credentials WHERE workspace_id = $1`, [ws])) as { n: number }[])[0].n;

  const create = async (body: Record<string, unknown>, ws = wsA, user = ADMIN) => {
    const res = track(await api().post(`/api/v1/workspaces/${ws}/credentials`).set(as(user)).send(body));
    expect(res.status).toBe(201);
    return res.body as Record<string, unknown> & { id: string };
  };

  beforeAll(async () => {
    const config = loadConfig();
    await runMigrations(config.DATABASE_URL);
    app = await createApp(config);
    ds = app.get(DataSource);
    service = app.get(CredentialsService);
    [wsA, wsB] = [randomUUID(), randomUUID()];
    for (const ws of [wsA, wsB]) {
      await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Vault test', $2)`, [ws, `v-${ws}`]);
    }
    roles.set(OWNER, new Map([[wsA, 'owner']]));
    roles.set(ADMIN, new Map<string, TestRole>([[wsA, 'admin'], [wsB, 'owner']]));
    roles.set(VIEWER, new Map([[wsA, 'viewer']]));
  });

  afterAll(async () => {
    await app?.close();
  });

  describe('create, read, list, delete', () => {
    it('creates each type and answers a masked view, never a secret', async () => {
      const apiKey = await create({ type: 'apiKey', provider: 'segment', label: 'Write key', secrets: { apiKey: canary('apiKey') } });
      expect(Object.keys(apiKey).sort()).toEqual(VIEW_KEYS);
      expect(apiKey).toMatchObject({ type: 'apiKey', provider: 'segment', label: 'Write key', status: 'active', metadata: {} });
      expect(Date.parse(apiKey.createdAt as string)).not.toBeNaN();

      const basic = await create({ type: 'basic', label: 'Warehouse', secrets: { username: canary('user'), password: canary('password') } });
      expect(basic).toMatchObject({ type: 'basic', provider: null, label: 'Warehouse', status: 'active' });

      const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
      const oauth = await create({
        type: 'oauth2',
        provider: 'salesforce',
        label: 'Salesforce prod',
        metadata: { instance_url: 'https://example.my.salesforce.com' },
        secrets: { accessToken: canary('access'), refreshToken: canary('refresh'), expiresAt },
      });
      expect(Object.keys(oauth).sort()).toEqual([...VIEW_KEYS, 'expiresAt'].sort());
      expect(oauth).toMatchObject({ type: 'oauth2', expiresAt, metadata: { instance_url: 'https://example.my.salesforce.com' } });

      const got = track(await api().get(`/api/v1/workspaces/${wsA}/credentials/${oauth.id}`).set(as(VIEWER)));
      expect(got.status).toBe(200);
      expect(got.body).toEqual(oauth);
    });

    it('lists with limit and an opaque cursor', async () => {
      for (let i = 0; i < 3; i++) await create({ type: 'apiKey', label: `Page ${i}`, secrets: { apiKey: canary(`page-${i}`) } });
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = track(
          await api()
            .get(`/api/v1/workspaces/${wsA}/credentials`)
            .query({ limit: 2, ...(cursor ? { cursor } : {}) })
            .set(as(VIEWER)),
        );
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        seen.push(...res.body.items.map((c: { id: string }) => c.id));
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(await credentialsIn(wsA));
      expect(new Set(seen).size).toBe(seen.length);

      const bad = track(await api().get(`/api/v1/workspaces/${wsA}/credentials?cursor=nope`).set(as(VIEWER)));
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('INVALID_CURSOR');
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials?limit=501`).set(as(VIEWER))).status).toBe(400);
    });

    it.each([
      ['an unknown top-level field', { type: 'apiKey', label: 'x', secrets: { apiKey: 'k' }, extra: 1 }, 'extra'],
      ['an unknown secret field', { type: 'apiKey', label: 'x', secrets: { apiKey: 'k', token: 'y' } }, 'token'],
      ['another type\'s secrets', { type: 'basic', label: 'x', secrets: { apiKey: 'k' } }, 'secrets'],
      ['a wrong value type', { type: 'apiKey', label: 'x', secrets: { apiKey: 123 } }, 'secrets.apiKey'],
      ['an unknown type', { type: 'ssh', label: 'x', secrets: {} }, 'type'],
      ['a missing label', { type: 'apiKey', secrets: { apiKey: 'k' } }, 'label'],
      ['missing secrets', { type: 'oauth2', label: 'x' }, 'secrets'],
      ['an expiry that is not ISO-8601', { type: 'oauth2', label: 'x', secrets: { accessToken: 't', expiresAt: 'tomorrow' } }, 'secrets.expiresAt'],
      ['non-string metadata', { type: 'oauth2', label: 'x', metadata: { instance_url: 1 }, secrets: { accessToken: 't' } }, 'metadata'],
      ['a bad provider', { type: 'apiKey', provider: 'Sales Force', label: 'x', secrets: { apiKey: 'k' } }, 'provider'],
    ])('rejects %s with 400 naming the field, storing nothing', async (_name, body, field) => {
      const before = await credentialsIn(wsA);
      const res = track(await api().post(`/api/v1/workspaces/${wsA}/credentials`).set(as(ADMIN)).send(body));
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toContain(field);
      expect(await credentialsIn(wsA)).toBe(before);
    });

    it('rejects __proto__ keys and malformed JSON without echoing the secret', async () => {
      const before = await credentialsIn(wsA);
      const proto = track(
        await api()
          .post(`/api/v1/workspaces/${wsA}/credentials`)
          .set(as(ADMIN))
          .set('content-type', 'application/json')
          .send(`{"type":"apiKey","label":"x","secrets":{"apiKey":"${canary('proto')}","__proto__":{"admin":true}}}`),
      );
      expect(proto.status).toBe(400);
      const malformed = track(
        await api()
          .post(`/api/v1/workspaces/${wsA}/credentials`)
          .set(as(ADMIN))
          .set('content-type', 'application/json')
          .send(`{"type":"apiKey","secrets":{"apiKey":"${canary('malformed')}"`),
      );
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('MALFORMED_JSON');
      expect(await credentialsIn(wsA)).toBe(before);
    });

    it('needs write to create or delete; viewers read', async () => {
      const res = track(
        await api().post(`/api/v1/workspaces/${wsA}/credentials`).set(as(VIEWER)).send({ type: 'apiKey', label: 'x', secrets: { apiKey: canary('viewer') } }),
      );
      expect(res.status).toBe(403);
      const [{ id }] = (await ds.query(`SELECT id FROM credentials WHERE workspace_id = $1 LIMIT 1`, [wsA])) as { id: string }[];
      expect((await api().delete(`/api/v1/workspaces/${wsA}/credentials/${id}`).set(as(VIEWER))).status).toBe(403);
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials`).set(as(VIEWER))).status).toBe(200);
    });

    it("answers 404 for another workspace's credential, a stranger, or a non-UUID id, exactly like a missing one", async () => {
      const cred = await create({ type: 'apiKey', label: 'Isolated', secrets: { apiKey: canary('isolated') } });
      const missing = track(await api().get(`/api/v1/workspaces/${wsA}/credentials/${randomUUID()}`).set(as(ADMIN)));
      expect(missing.status).toBe(404);
      // ADMIN owns wsB, so the workspace is visible; the credential is not in it.
      const viaB = track(await api().get(`/api/v1/workspaces/${wsB}/credentials/${cred.id}`).set(as(ADMIN)));
      expect(viaB.status).toBe(404);
      expect(viaB.body).toEqual(missing.body);
      expect(missing.body.code).toBe('CREDENTIAL_NOT_FOUND');
      expect((await api().delete(`/api/v1/workspaces/${wsB}/credentials/${cred.id}`).set(as(ADMIN))).status).toBe(404);
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials/not-a-uuid`).set(as(ADMIN))).status).toBe(404);
      expect((await api().delete(`/api/v1/workspaces/${wsA}/credentials/not-a-uuid`).set(as(ADMIN))).status).toBe(404);
      const listB = track(await api().get(`/api/v1/workspaces/${wsB}/credentials`).set(as(ADMIN)));
      expect(listB.body.items.map((c: { id: string }) => c.id)).not.toContain(cred.id);
      for (const path of [`credentials`, `credentials/${cred.id}`, `audit`]) {
        const res = await api().get(`/api/v1/workspaces/${wsA}/${path}`).set(as(OUTSIDER));
        expect(res.status).toBe(404);
      }
      expect((await api().get(`/api/v1/workspaces/nope/credentials`).set(as(ADMIN))).status).toBe(404);
      expect(await credentialsIn(wsA)).toBeGreaterThan(0);
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials/${cred.id}`).set(as(ADMIN))).status).toBe(200);
    });

    it('deletes; a credential an installation uses answers 409 and stays', async () => {
      const cred = await create({ type: 'basic', label: 'To delete', secrets: { username: 'u', password: canary('delete') } });
      const used = await create({ type: 'apiKey', label: 'In use', secrets: { apiKey: canary('in-use') } });
      await ds.query(
        `INSERT INTO installations (workspace_id, connector_id, connector_version, name, credential_id) VALUES ($1, 'x', '1.0.0', 'X', $2)`,
        [wsA, used.id],
      );
      const inUse = track(await api().delete(`/api/v1/workspaces/${wsA}/credentials/${used.id}`).set(as(ADMIN)));
      expect(inUse.status).toBe(409);
      expect(inUse.body.code).toBe('CREDENTIAL_IN_USE');
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials/${used.id}`).set(as(ADMIN))).status).toBe(200);

      expect((await api().delete(`/api/v1/workspaces/${wsA}/credentials/${cred.id}`).set(as(ADMIN))).status).toBe(204);
      expect((await api().get(`/api/v1/workspaces/${wsA}/credentials/${cred.id}`).set(as(ADMIN))).status).toBe(404);
      expect((await api().delete(`/api/v1/workspaces/${wsA}/credentials/${cred.id}`).set(as(ADMIN))).status).toBe(404);
    });
  });

  describe('resolve (the host at run time)', () => {
    it('hands a running connector decrypted credentials in the SDK shape', async () => {
      const k = await create({ type: 'apiKey', label: 'k', secrets: { apiKey: canary('resolve-key') } });
      const b = await create({ type: 'basic', label: 'b', secrets: { username: canary('ru'), password: canary('rp') } });
      const o = await create({
        type: 'oauth2',
        label: 'o',
        metadata: { instance_url: 'https://na1.example.com' },
        secrets: { accessToken: canary('ra'), refreshToken: canary('rr') },
      });
      expect(await service.resolve(wsA, k.id)).toEqual({ type: 'apiKey', apiKey: canary('resolve-key') });
      expect(await service.resolve(wsA, b.id)).toEqual({ type: 'basic', username: canary('ru'), password: canary('rp') });
      expect(await service.resolve(wsA, o.id)).toEqual({
        type: 'oauth2',
        accessToken: canary('ra'),
        metadata: { instance_url: 'https://na1.example.com' },
      });
      await expect(service.resolve(wsB, k.id)).rejects.toBeInstanceOf(CredentialNotFoundError);
      await expect(service.resolve(wsA, 'nope')).rejects.toBeInstanceOf(CredentialNotFoundError);
      await ds.query(`UPDATE credentials SET status = 'needs_reauth' WHERE id = $1`, [o.id]);
      await expect(service.resolve(wsA, o.id)).rejects.toBeInstanceOf(CredentialNeedsReauthError);
      const view = track(await api().get(`/api/v1/workspaces/${wsA}/credentials/${o.id}`).set(as(ADMIN)));
      expect(view.body.status).toBe('needs_reauth');
    });

    it('fails with CREDENTIAL_INTEGRITY_FAILED when a ciphertext is copied to another row or workspace, or tampered with', async () => {
      const source = await create({ type: 'apiKey', label: 'source', secrets: { apiKey: canary('source') } });
      const sameWs = await create({ type: 'apiKey', label: 'target', secrets: { apiKey: 'target-key' } });
      const otherWs = await create({ type: 'apiKey', label: 'target', secrets: { apiKey: 'target-key' } }, wsB);
      for (const target of [sameWs, otherWs]) {
        await ds.query(
          `UPDATE credentials t SET key_id = s.key_id, iv = s.iv, ciphertext = s.ciphertext, auth_tag = s.auth_tag
             FROM credentials s WHERE s.id = $1 AND t.id = $2`,
          [source.id, target.id],
        );
      }
      await expect(service.resolve(wsA, sameWs.id)).rejects.toMatchObject({ code: 'CREDENTIAL_INTEGRITY_FAILED' });
      await expect(service.resolve(wsB, otherWs.id)).rejects.toMatchObject({ code: 'CREDENTIAL_INTEGRITY_FAILED' });
      // The source itself is untouched and still opens.
      expect(await service.resolve(wsA, source.id)).toEqual({ type: 'apiKey', apiKey: canary('source') });
      await ds.query(`UPDATE credentials SET auth_tag = decode(repeat('00', 16), 'hex') WHERE id = $1`, [source.id]);
      await expect(service.resolve(wsA, source.id)).rejects.toMatchObject({ code: 'CREDENTIAL_INTEGRITY_FAILED' });
      const err = await service.resolve(wsA, sameWs.id).catch((e: Error) => e);
      expect(String((err as Error).message)).not.toContain(CANARY);
    });
  });

  describe('audit log', () => {
    it('records credential creation and deletion: who, when, what, never a secret', async () => {
      const cred = await create({ type: 'apiKey', provider: 'segment', label: 'Audited', secrets: { apiKey: canary('audited') } }, wsA, OWNER);
      expect((await api().delete(`/api/v1/workspaces/${wsA}/credentials/${cred.id}`).set(as(OWNER))).status).toBe(204);
      const res = track(await api().get(`/api/v1/workspaces/${wsA}/audit?limit=2`).set(as(OWNER)));
      expect(res.status).toBe(200);
      const [deleted, created] = res.body.items;
      expect(deleted).toMatchObject({
        action: 'credential.deleted',
        actorUserId: OWNER,
        targetType: 'credential',
        targetId: cred.id,
        details: { type: 'apiKey', provider: 'segment', label: 'Audited' },
      });
      expect(created).toMatchObject({ action: 'credential.created', actorUserId: OWNER, targetId: cred.id });
      expect(Date.parse(deleted.createdAt)).toBeGreaterThanOrEqual(Date.parse(created.createdAt));
      expect(Object.keys(deleted).sort()).toEqual(['action', 'actorUserId', 'createdAt', 'details', 'id', 'targetId', 'targetType']);
      expect(res.body.nextCursor).toEqual(expect.any(String));
    });

    it('pages newest first through every event exactly once', async () => {
      const total = ((await ds.query(`SELECT count(*)::int AS n FROM audit_events WHERE workspace_id = $1`, [wsA])) as { n: number }[])[0].n;
      expect(total).toBeGreaterThan(5);
      const seen: { id: string; createdAt: string }[] = [];
      let cursor: string | null = null;
      do {
        const res: Response = track(
          await api()
            .get(`/api/v1/workspaces/${wsA}/audit`)
            .query({ limit: 3, ...(cursor ? { cursor } : {}) })
            .set(as(OWNER)),
        );
        expect(res.status).toBe(200);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(seen).toHaveLength(total);
      expect(new Set(seen.map((e) => e.id)).size).toBe(total);
      const times = seen.map((e) => Date.parse(e.createdAt));
      expect([...times].sort((a, b) => b - a)).toEqual(times);
    });

    it('is for owners only, and another workspace sees none of it', async () => {
      const admin = track(await api().get(`/api/v1/workspaces/${wsA}/audit`).set(as(ADMIN)));
      expect(admin.status).toBe(403);
      expect((await api().get(`/api/v1/workspaces/${wsA}/audit`).set(as(VIEWER))).status).toBe(403);
      const inB = track(await api().get(`/api/v1/workspaces/${wsB}/audit`).set(as(ADMIN)));
      expect(inB.status).toBe(200);
      expect(inB.body.items.every((e: { targetId: string }) => typeof e.targetId === 'string')).toBe(true);
      const idsInA = new Set(((await ds.query(`SELECT id FROM audit_events WHERE workspace_id = $1`, [wsA])) as { id: string }[]).map((r) => r.id));
      expect(inB.body.items.some((e: { id: string }) => idsInA.has(e.id))).toBe(false);
      expect((await api().get(`/api/v1/workspaces/${wsA}/audit?cursor=bad`).set(as(OWNER))).body.code).toBe('INVALID_CURSOR');
    });
  });

  describe('secret canaries', () => {
    it('never appear in any API response or error body', () => {
      expect(bodies.length).toBeGreaterThan(20);
      for (const body of bodies) expect(body).not.toContain(CANARY);
    });

    it('never appear in Postgres outside the ciphertext columns', async () => {
      const tables = (await ds.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      )) as { table_name: string }[];
      const hexCanary = Buffer.from(CANARY).toString('hex');
      for (const { table_name } of tables) {
        const rows = (await ds.query(`SELECT row_to_json(t)::text AS j FROM "${table_name}" t`)) as { j: string }[];
        for (const { j } of rows) {
          expect(j).not.toContain(CANARY);
          expect(j).not.toContain(hexCanary);
        }
      }
    });
  });
});
