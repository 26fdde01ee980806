/**
 * The tenant-isolation matrix over every workspace-scoped route of the admin app, taken from its
 * OpenAPI document so a new route is covered the day it is added. User A calls each route with
 * workspace B's id and B's real object ids: the answer must be exactly the answer for ids that do
 * not exist (404 in the same words), and nothing of B may change.
 */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { SwaggerModule, DocumentBuilder } from '@nestjs/swagger';
import { AdminUsersService } from '@hub/auth';
import { loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { runMigrations } from '@hub/persistence';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AdminAppModule } from './admin-app.module';

const uniq = () => Math.random().toString(36).slice(2, 10);
const PASSWORD = 'tenant matrix password';
const MISSING = '00000000-0000-4000-8000-000000000000';

describe('tenant isolation across every workspace route (real PostgreSQL and Redis)', () => {
  let app: INestApplication;
  let paths: Record<string, Record<string, unknown>>;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    await runMigrations(process.env.DATABASE_URL as string);
    app = await NestFactory.create(AdminAppModule.forRoot(loadConfig()), { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    paths = SwaggerModule.createDocument(app, new DocumentBuilder().build()).paths as typeof paths;
  });
  afterAll(() => app.close());

  async function owner() {
    const email = `tenant-${uniq()}@example.com`;
    await app.get(AdminUsersService).create({ email, password: PASSWORD });
    const login = await http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200);
    const auth = `Bearer ${login.body.token}`;
    const ws = await http().post('/api/v1/workspaces').set('authorization', auth).send({ name: `T ${uniq()}` }).expect(201);
    return { email, auth, ws: ws.body.id as string };
  }

  it('answers another workspace’s objects exactly like missing ones, and changes nothing', async () => {
    const a = await owner();
    const b = await owner();
    const inst = await http()
      .post(`/api/v1/workspaces/${b.ws}/installations`)
      .set('authorization', b.auth)
      .send({ connectorId: 'example', name: 'B’s', settings: { apiKey: 'tenant-canary-b' } })
      .expect(201);
    const db = app.get(DataSource);
    const [dead] = (await db.query(
      `INSERT INTO dead_letters (workspace_id, installation_id, queue, job_name, payload, error_code, reason, attempts)
       VALUES ($1, $2, 'connector-example', 'action:sendPing', '{}'::jsonb, 'PERMANENT_API_ERROR', 'test', 1) RETURNING id`,
      [b.ws, inst.body.id],
    )) as { id: string }[];
    const cred = await http()
      .post(`/api/v1/workspaces/${b.ws}/credentials`)
      .set('authorization', b.auth)
      .send({ type: 'apiKey', label: 'B’s key', secrets: { apiKey: 'tenant-canary-b-credential' } })
      .expect(201);
    const bMembers = await http().get(`/api/v1/workspaces/${b.ws}/members`).set('authorization', b.auth).expect(200);
    const realIds: Record<string, string> = {
      ws: b.ws,
      id: inst.body.id,
      installationId: inst.body.id,
      userId: bMembers.body.items[0].userId,
      action: 'sendPing',
      deadLetterId: dead.id,
      credentialId: cred.body.id,
    };
    const snapshot = async () =>
      JSON.stringify(
        await db.query(
          `SELECT (SELECT json_agg(i ORDER BY i.id) FROM installations i WHERE workspace_id = $1) AS i,
                  (SELECT json_agg(m ORDER BY m.user_id) FROM workspace_members m WHERE workspace_id = $1) AS m,
                  (SELECT json_agg(d ORDER BY d.id) FROM dead_letters d WHERE workspace_id = $1) AS d,
                  (SELECT json_agg(c ORDER BY c.id) FROM credentials c WHERE workspace_id = $1) AS c,
                  (SELECT json_agg(e ORDER BY e.id) FROM audit_events e WHERE workspace_id = $1) AS e,
                  (SELECT row_to_json(w) FROM workspaces w WHERE id = $1) AS w`,
          [b.ws],
        ),
      );
    const before = await snapshot();

    const scoped = Object.entries(paths).filter(([path]) => path.includes('{ws}'));
    let checked = 0;
    for (const [path, methods] of scoped) {
      for (const method of Object.keys(methods)) {
        const fill = (ids: (name: string) => string) =>
          path.replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'action' ? 'sendPing' : ids(name)));
        const objectId = path.includes('dead-letters') ? realIds.deadLetterId : path.includes('/credentials/') ? realIds.credentialId : realIds.id;
        const theirs = fill((name) => (name === 'id' ? objectId : realIds[name] ?? MISSING));
        const missing = fill(() => MISSING);
        const send = (url: string) => {
          const req = (http() as unknown as Record<string, (u: string) => request.Test>)[method](url).set('authorization', a.auth);
          return ['post', 'patch', 'put'].includes(method) ? req.send({ name: 'x', input: {}, settings: {} }) : req;
        };
        const junk = fill((name) => (name === 'ws' ? 'not-a-uuid' : MISSING));
        const [r1, r2, r3] = [await send(theirs), await send(missing), await send(junk)];
        expect(r3.status).toBe(r2.status);
        expect(r3.body).toEqual(r2.body);
        expect({ route: `${method} ${path}`, status: r1.status, body: r1.body }).toEqual({
          route: `${method} ${path}`,
          status: r2.status,
          body: r2.body,
        });
        expect([400, 404]).toContain(r1.status);
        expect(JSON.stringify(r1.body)).not.toContain('tenant-canary-b');
        checked++;
      }
    }
    // Workspaces, members, installations (+check/enable/disable/actions), dead letters,
    // credentials, audit and the OAuth start at least.
    const covered = scoped.map(([path]) => path);
    for (const route of ['/api/v1/workspaces/{ws}/credentials/{id}', '/api/v1/workspaces/{ws}/audit', '/api/v1/workspaces/{ws}/oauth/{provider}/start']) {
      expect(covered).toContain(route);
    }
    expect(checked).toBeGreaterThanOrEqual(20);
    expect(await snapshot()).toEqual(before);
  }, 60_000);
});
