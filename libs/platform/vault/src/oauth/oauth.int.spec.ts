import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, type TestRole, TestRoles } from '@hub/auth/testing';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import { CredentialsModule } from '../credentials.module';
import { CredentialsService } from '../credentials/credentials.service';
import { oauthStateAad, SecretBox } from '../secret-box';
import { VaultModule } from '../vault.module';
import { OAuthModule } from './oauth.module';

const roles = new TestRoles();

const PUBLIC_URL = 'http://hub.test';
// A loaded 2-core runner is slow; the jest project's testTimeout does not reach here.
jest.setTimeout(30_000);
const CALLBACK = `${PUBLIC_URL}/oauth/generic/callback`;
const CLIENT_SECRET = `client-secret-${randomUUID()}`;
const INSTANCE_URL = 'https://na1.example.test';
const ADMIN = randomUUID();
const OTHER_ADMIN = randomUUID();
const VIEWER = randomUUID();
const as = (user: string) => ({ 'x-test-user': user });

/** Drives oidc-provider's login and consent pages like a browser; returns the URL it sends the browser back to. */
async function authorizeAtProvider(authorizeUrl: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  let body: string | undefined;
  for (let hop = 0; hop < 25; hop++) {
    if (url.startsWith(PUBLIC_URL)) return new URL(url);
    const res = await fetch(url, {
      method: body ? 'POST' : 'GET',
      body,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0];
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    if (res.status >= 300 && res.status < 400) {
      url = new URL(res.headers.get('location') as string, url).toString();
      body = undefined;
      continue;
    }
    const html = await res.text();
    const action = /action="([^"]+)"/.exec(html);
    const prompt = /name="prompt" value="([^"]+)"/.exec(html);
    if (!action || !prompt) throw new Error(`unexpected page from the authorization server (${res.status}): ${html.slice(0, 300)}`);
    url = new URL(action[1], url).toString();
    body = prompt[1] === 'login' ? 'prompt=login&login=alice&password=any' : 'prompt=consent';
  }
  throw new Error('too many redirects at the authorization server');
}

describe('OAuth connect flow against oidc-provider (a real authorization server)', () => {
  let server: ChildProcess;
  let issuer: string;
  let app: INestApplication;
  let ds: DataSource;
  let wsA: string;
  let wsB: string;
  const bodies: string[] = [];
  const api = () => request(app.getHttpServer());
  const track = (res: Response): Response => {
    bodies.push(res.text, JSON.stringify(res.headers));
    return res;
  };
  const credentialCount = async () => ((await ds.query(`SELECT count(*)::int AS n FROM credentials`)) as { n: number }[])[0].n;

  const start = async (user = ADMIN, ws = wsA, body: Record<string, unknown> = { label: 'Test IdP' }, provider = 'generic') => {
    const res = track(await api().post(`/api/v1/workspaces/${ws}/oauth/${provider}/start`).set(as(user)).send(body));
    expect(res.status).toBe(200);
    const setCookie = res.headers['set-cookie'] as unknown as string[];
    expect(setCookie).toHaveLength(1);
    expect(setCookie[0]).toMatch(/HttpOnly; SameSite=Lax/);
    return { authorizeUrl: new URL(res.body.authorizeUrl as string), cookie: setCookie[0].split(';')[0] };
  };
  const callback = (url: URL, cookie?: string, provider = 'generic') => {
    const req = api().get(`/oauth/${provider}/callback${url.search}`).set('accept', 'application/json');
    return cookie ? req.set('cookie', cookie) : req;
  };

  beforeAll(async () => {
    server = spawn(process.execPath, [join(__dirname, '../../test/oidc-server.mjs')], {
      env: { ...process.env, CLIENT_ID: 'hub-test', CLIENT_SECRET, REDIRECT_URI: CALLBACK, INSTANCE_URL },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    issuer = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve(JSON.parse(line).issuer));
      server.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
    });

    const config: HubEnv = {
      ...loadConfig(),
      HUB_PUBLIC_URL: PUBLIC_URL,
      HUB_OAUTH_GENERIC_CLIENT_ID: 'hub-test',
      HUB_OAUTH_GENERIC_CLIENT_SECRET: CLIENT_SECRET,
      HUB_OAUTH_GENERIC_AUTHORIZE_URL: `${issuer}/auth`,
      HUB_OAUTH_GENERIC_TOKEN_URL: `${issuer}/token`,
      HUB_OAUTH_GENERIC_SCOPES: 'openid offline_access',
      HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: 'prompt=consent',
      HUB_OAUTH_GENERIC_KEEP_FIELDS: 'instance_url,scope,token_type',
      HUB_OAUTH_SALESFORCE_CLIENT_ID: 'sf-client',
      HUB_OAUTH_SALESFORCE_CLIENT_SECRET: 'sf-secret',
    };
    await runMigrations(config.DATABASE_URL);
    @Module({
      imports: [
        HubConfigModule.forRoot(config),
        PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 4 }),
        VaultModule,
        HeaderAuthModule.forRoot(roles),
        CredentialsModule,
        OAuthModule.forRoot(),
      ],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { logger: false });
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    ds = app.get(DataSource);
    [wsA, wsB] = [randomUUID(), randomUUID()];
    for (const ws of [wsA, wsB]) await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'OAuth', $2)`, [ws, `o-${ws}`]);
    roles.set(ADMIN, new Map<string, TestRole>([[wsA, 'owner'], [wsB, 'admin']]));
    roles.set(OTHER_ADMIN, new Map([[wsA, 'admin']]));
    roles.set(VIEWER, new Map([[wsA, 'viewer']]));
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    server?.kill('SIGTERM');
  });

  it('start, authorize, callback: stores an oauth2 credential a connector can use, with state and PKCE S256', async () => {
    const installation = randomUUID();
    await ds.query(`INSERT INTO installations (id, workspace_id, connector_id, connector_version, name) VALUES ($1, $2, 'x', '1.0.0', 'X')`, [
      installation,
      wsA,
    ]);
    const { authorizeUrl, cookie } = await start(ADMIN, wsA, { label: 'Test IdP', installationId: installation });
    expect(authorizeUrl.origin).toBe(issuer);
    expect(authorizeUrl.searchParams.get('redirect_uri')).toBe(CALLBACK);
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorizeUrl.searchParams.get('prompt')).toBe('consent');

    const back = await authorizeAtProvider(authorizeUrl.toString());
    expect(back.searchParams.get('code')).toBeTruthy();
    const res = track(await callback(back, cookie));
    expect(res.status).toBe(200);
    const { credentialId } = res.body as { credentialId: string };

    const view = track(await api().get(`/api/v1/workspaces/${wsA}/credentials/${credentialId}`).set(as(ADMIN)));
    expect(view.body).toMatchObject({
      type: 'oauth2',
      provider: 'generic',
      label: 'Test IdP',
      status: 'active',
      metadata: { instance_url: INSTANCE_URL, token_type: 'Bearer' },
    });
    expect(Date.parse(view.body.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    const [linked] = (await ds.query(`SELECT credential_id FROM installations WHERE id = $1`, [installation])) as { credential_id: string }[];
    expect(linked.credential_id).toBe(credentialId);

    // Use: the stored access token is accepted by the authorization server's userinfo endpoint.
    const creds = await app.get(CredentialsService).resolve(wsA, credentialId);
    if (creds.type !== 'oauth2') throw new Error('expected oauth2 credentials');
    const me = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${creds.accessToken}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { sub: string }).sub).toBe('alice');

    const audit = track(await api().get(`/api/v1/workspaces/${wsA}/audit`).set(as(ADMIN)));
    expect(audit.body.items[0]).toMatchObject({ action: 'credential.connected', actorUserId: ADMIN, targetId: credentialId });

    // The tokens appear in no response and in no plain column.
    const sealed = (await ds.query(`SELECT row_to_json(c)::text AS j FROM credentials c WHERE id = $1`, [credentialId])) as { j: string }[];
    expect(sealed[0].j).not.toContain(creds.accessToken);
    for (const body of bodies) expect(body).not.toContain(creds.accessToken);

    // Replayed: the same callback again is refused and stores nothing.
    const before = await credentialCount();
    const replay = track(await callback(back, cookie));
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe('OAUTH_STATE_INVALID');
    expect(await credentialCount()).toBe(before);
  });

  it('redirects the browser to the admin UI when not asked for JSON', async () => {
    const { authorizeUrl, cookie } = await start();
    const back = await authorizeAtProvider(authorizeUrl.toString());
    const res = await api().get(`/oauth/generic/callback${back.search}`).set('cookie', cookie);
    expect(res.status).toBe(302);
    expect(res.headers.location).toMatch(new RegExp(`^${PUBLIC_URL}/\\?connected=generic&credentialId=[0-9a-f-]{36}$`));
  });

  it('refuses forged, missing, expired, other-admin and wrong-provider state with 403, storing nothing', async () => {
    const { authorizeUrl, cookie } = await start();
    const back = await authorizeAtProvider(authorizeUrl.toString());
    const before = await credentialCount();
    const withState = (state: string | null) => {
      const u = new URL(back);
      if (state === null) u.searchParams.delete('state');
      else u.searchParams.set('state', state);
      return u;
    };

    const cases: [string, Promise<Response>][] = [
      ['forged state', callback(withState('A'.repeat(43)), cookie)],
      ['missing state', callback(withState(null), cookie)],
      ['no binding cookie', callback(back)],
      ['wrong provider', callback(back, cookie, 'salesforce')],
      ['missing code', api().get(`/oauth/generic/callback?state=${back.searchParams.get('state')}`).set('cookie', cookie)],
    ];
    // Another admin of the same workspace, with a flow (and cookie) of their own.
    const other = await start(OTHER_ADMIN);
    cases.push(['other admin', callback(back, other.cookie)]);
    for (const [name, pending] of cases) {
      const res = track(await pending);
      expect([name, res.status]).toEqual([name, 403]);
    }
    expect(await credentialCount()).toBe(before);

    // None of those consumed the state: the real admin still finishes the flow once.
    expect((await callback(back, cookie)).status).toBe(200);
    expect(await credentialCount()).toBe(before + 1);

    // Expired: 10 minutes have passed.
    const late = await start();
    const lateBack = await authorizeAtProvider(late.authorizeUrl.toString());
    await ds.query(`UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE consumed_at IS NULL`);
    const expired = track(await callback(lateBack, late.cookie));
    expect(expired.status).toBe(403);
    expect(await credentialCount()).toBe(before + 1);
    expect((await api().get(`/oauth/generic/callback?error=access_denied&state=x`)).status).toBe(403);
  });

  it('a PKCE mismatch is refused by the authorization server: 403, nothing stored', async () => {
    const { authorizeUrl, cookie } = await start();
    const back = await authorizeAtProvider(authorizeUrl.toString());
    const [row] = (await ds.query(`SELECT id, workspace_id FROM oauth_states WHERE consumed_at IS NULL ORDER BY created_at DESC LIMIT 1`)) as {
      id: string;
      workspace_id: string;
    }[];
    const wrong = app.get(SecretBox).seal('x'.repeat(43), oauthStateAad(row.workspace_id, row.id));
    await ds.query(`UPDATE oauth_states SET key_id = $1, iv = $2, ciphertext = $3, auth_tag = $4 WHERE id = $5`, [
      wrong.keyId,
      wrong.iv,
      wrong.ciphertext,
      wrong.authTag,
      row.id,
    ]);
    const before = await credentialCount();
    const res = track(await callback(back, cookie));
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('OAUTH_CODE_REJECTED');
    expect(await credentialCount()).toBe(before);
  });

  it('checks the start request: role, provider, installation of another workspace, Salesforce login URL', async () => {
    expect(track(await api().post(`/api/v1/workspaces/${wsA}/oauth/generic/start`).set(as(VIEWER)).send({})).status).toBe(403);
    expect(track(await api().post(`/api/v1/workspaces/${wsA}/oauth/nope/start`).set(as(ADMIN)).send({})).status).toBe(404);
    expect(track(await api().post(`/api/v1/workspaces/${wsB}/oauth/generic/start`).set(as(OTHER_ADMIN)).send({})).status).toBe(404);
    const foreign = randomUUID();
    await ds.query(`INSERT INTO installations (id, workspace_id, connector_id, connector_version, name) VALUES ($1, $2, 'x', '1.0.0', 'X')`, [foreign, wsB]);
    const res = track(await api().post(`/api/v1/workspaces/${wsA}/oauth/generic/start`).set(as(ADMIN)).send({ installationId: foreign }));
    expect(res.status).toBe(404);
    expect(track(await api().post(`/api/v1/workspaces/${wsA}/oauth/generic/start`).set(as(ADMIN)).send({ extra: 1 })).status).toBe(400);
    for (const loginUrl of ['https://evil.example.com', 'http://test.salesforce.com', 'https://test.salesforce.com/path']) {
      const bad = track(await api().post(`/api/v1/workspaces/${wsA}/oauth/salesforce/start`).set(as(ADMIN)).send({ loginUrl }));
      expect([loginUrl, bad.status]).toEqual([loginUrl, 400]);
    }
    const sandbox = await start(ADMIN, wsA, { loginUrl: 'https://test.salesforce.com' }, 'salesforce');
    expect(sandbox.authorizeUrl.origin).toBe('https://test.salesforce.com');
    expect(sandbox.authorizeUrl.pathname).toBe('/services/oauth2/authorize');
    expect(sandbox.authorizeUrl.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/oauth/salesforce/callback`);
    expect(sandbox.authorizeUrl.searchParams.get('scope')).toBe('api refresh_token');
    expect(sandbox.authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    for (const body of bodies) expect(body).not.toContain(CLIENT_SECRET);
  });
});
