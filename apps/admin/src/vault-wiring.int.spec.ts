/**
 * The vault as the admin app composes it, with the real auth: logins and credential changes in
 * the audit log, owners-only audit, the OAuth start and callback routes, providers from config.
 */
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AdminUsersService } from '@hub/auth';
import { type HubEnv, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { runMigrations } from '@hub/persistence';
import request from 'supertest';
import { AdminAppModule } from './admin-app.module';

const uniq = () => Math.random().toString(36).slice(2, 10);
const PASSWORD = 'vault wiring password';
const CANARY = `canary-${uniq()}${uniq()}`;
// Password hashing, processes and a real authorization server: slow on a loaded 2-core runner.
jest.setTimeout(60_000);

describe('vault in the admin app (real auth, PostgreSQL, Redis)', () => {
  let app: INestApplication;
  const http = () => request(app.getHttpServer());
  const bodies: string[] = [];

  beforeAll(async () => {
    await runMigrations(process.env.DATABASE_URL as string);
    const config: HubEnv = {
      ...loadConfig(),
      HUB_PUBLIC_URL: 'https://hub.example.com',
      HUB_OAUTH_SALESFORCE_CLIENT_ID: 'sf-client-id',
      HUB_OAUTH_SALESFORCE_CLIENT_SECRET: `${CANARY}-client-secret`,
    };
    app = await NestFactory.create(AdminAppModule.forRoot(config), { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
  });
  afterAll(() => app.close());

  async function user() {
    const email = `vault-${uniq()}@example.com`;
    await app.get(AdminUsersService).create({ email, password: PASSWORD });
    const login = async () => `Bearer ${(await http().post('/api/v1/auth/login').send({ email, password: PASSWORD }).expect(200)).body.token}`;
    return { email, login, auth: await login() };
  }
  const workspace = async (auth: string) =>
    (await http().post('/api/v1/workspaces').set('authorization', auth).send({ name: `V ${uniq()}` }).expect(201)).body.id as string;
  const audit = async (ws: string, auth: string) => {
    const res = await http().get(`/api/v1/workspaces/${ws}/audit?limit=100`).set('authorization', auth);
    bodies.push(res.text);
    return res;
  };

  it('records each login in every workspace of the user; the audit log is for owners only', async () => {
    const owner = await user();
    const member = await user();
    const mine = await workspace(owner.auth);
    const theirs = await workspace(member.auth);
    await http().post(`/api/v1/workspaces/${mine}/members`).set('authorization', owner.auth).send({ email: member.email, role: 'admin' }).expect(201);

    await member.login();
    const inMine = (await audit(mine, owner.auth)).body.items as { action: string; actorUserId: string; details: Record<string, unknown> }[];
    const inTheirs = (await audit(theirs, member.auth)).body.items as { action: string; actorUserId: string }[];
    const memberLogins = inMine.filter((e) => e.action === 'auth.login' && e.details.email === member.email);
    expect(memberLogins).toHaveLength(1);
    expect(memberLogins[0]).toMatchObject({ targetType: 'user', details: { email: member.email, ip: expect.any(String) } });
    expect(inTheirs.filter((e) => e.action === 'auth.login').length).toBeGreaterThanOrEqual(1);
    // A failed login records nothing and answers the usual 401.
    await http().post('/api/v1/auth/login').send({ email: member.email, password: 'wrong password!' }).expect(401);
    expect((await audit(mine, owner.auth)).body.items.filter((e: { action: string }) => e.action === 'auth.login')).toHaveLength(
      inMine.filter((e) => e.action === 'auth.login').length,
    );

    // An admin of the workspace may not read its audit log; a stranger does not see the workspace.
    const adminRead = await audit(mine, member.auth);
    expect(adminRead.status).toBe(403);
    const stranger = await user();
    expect((await audit(mine, stranger.auth)).status).toBe(404);
  });

  it('records credential creation and deletion with the real caller, and answers masked views', async () => {
    const owner = await user();
    const ws = await workspace(owner.auth);
    const created = await http()
      .post(`/api/v1/workspaces/${ws}/credentials`)
      .set('authorization', owner.auth)
      .send({ type: 'basic', label: 'Warehouse', secrets: { username: 'loader', password: `${CANARY}-password` } })
      .expect(201);
    bodies.push(created.text);
    expect(created.body).toMatchObject({ type: 'basic', label: 'Warehouse', status: 'active' });
    await http().delete(`/api/v1/workspaces/${ws}/credentials/${created.body.id}`).set('authorization', owner.auth).expect(204);
    const me = (await http().get('/api/v1/me').set('authorization', owner.auth).expect(200)).body.id as string;
    const events = (await audit(ws, owner.auth)).body.items as { action: string; actorUserId: string; targetId: string }[];
    expect(events.filter((e) => e.targetId === created.body.id).map((e) => [e.action, e.actorUserId])).toEqual([
      ['credential.deleted', me],
      ['credential.created', me],
    ]);
  });

  it('serves the OAuth connect flow for the configured providers only, with state and PKCE S256', async () => {
    const owner = await user();
    const ws = await workspace(owner.auth);
    const start = await http().post(`/api/v1/workspaces/${ws}/oauth/salesforce/start`).set('authorization', owner.auth).send({ label: 'Salesforce' });
    bodies.push(start.text, JSON.stringify(start.headers));
    expect(start.status).toBe(200);
    const url = new URL(start.body.authorizeUrl);
    expect(url.origin + url.pathname).toBe('https://login.salesforce.com/services/oauth2/authorize');
    expect(url.searchParams.get('redirect_uri')).toBe('https://hub.example.com/oauth/salesforce/callback');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(start.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Lax; Secure$/);

    expect((await http().post(`/api/v1/workspaces/${ws}/oauth/generic/start`).set('authorization', owner.auth).send({})).status).toBe(404);
    // The callback is public (the browser comes back from the provider) and refuses a forged state.
    const forged = await http().get(`/oauth/salesforce/callback?code=abc&state=${'A'.repeat(43)}`).set('accept', 'application/json');
    bodies.push(forged.text);
    expect(forged.status).toBe(403);
    expect(forged.body.code).toBe('OAUTH_STATE_INVALID');
  });

  it('never answers a secret', () => {
    expect(bodies.length).toBeGreaterThan(8);
    for (const body of bodies) expect(body).not.toContain(CANARY);
  });
});
