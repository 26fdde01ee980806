/**
 * The vault in the built apps, as processes: OAuth variables checked at boot, an admin connects a
 * provider (oidc-provider, a real authorization server) through the built admin app, credentials
 * are stored and masked, logins and connections are audited, `npm run vault:rotate` re-keys from
 * the built output; and no canary secret appears in any process output or response.
 */
import { randomUUID } from 'node:crypto';
import { followToCallback, type OidcServer, startOidcServer } from '../../libs/platform/vault/test/oidc-kit';
import { freePort, npmRun, ownDatabase, stop, waitFor, type Started } from './processes';

const CANARY = `canary-${randomUUID()}`;
const email = `vault-e2e-${Date.now()}@example.com`;
const password = 'vault e2e password 1234';

const database = ownDatabase('vault');

describe('vault in the built apps', () => {
  let oidc: OidcServer;
  let env: Record<string, string>;
  let admin: Started;
  let worker: Started;
  let base: string;
  const bodies: string[] = [];

  const call = async (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...headers,
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    bodies.push(text, JSON.stringify([...res.headers]));
    return { status: res.status, headers: res.headers, body: text && text.startsWith('{') ? JSON.parse(text) : undefined, text };
  };

  beforeAll(async () => {
    const adminPort = await freePort();
    const workerPort = await freePort();
    base = `http://127.0.0.1:${adminPort}`;
    oidc = await startOidcServer({
      clientId: 'hub-e2e',
      clientSecret: `${CANARY}-client-secret`,
      redirectUri: `${base}/oauth/generic/callback`,
      autoLogin: true,
      rotateRefresh: true,
    });
    env = {
      DATABASE_URL: database,
      REDIS_URL: process.env.REDIS_URL as string,
      HUB_REDIS_PREFIX: process.env.HUB_REDIS_PREFIX as string,
      HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
      ADMIN_PORT: String(adminPort),
      WORKER_PORT: String(workerPort),
      HUB_PUBLIC_URL: base,
      HUB_ADMIN_EMAIL: email,
      HUB_ADMIN_PASSWORD: password,
      HUB_OAUTH_GENERIC_CLIENT_ID: 'hub-e2e',
      HUB_OAUTH_GENERIC_CLIENT_SECRET: `${CANARY}-client-secret`,
      HUB_OAUTH_GENERIC_AUTHORIZE_URL: `${oidc.issuer}/auth`,
      HUB_OAUTH_GENERIC_TOKEN_URL: `${oidc.issuer}/token`,
      HUB_OAUTH_GENERIC_SCOPES: 'openid offline_access',
      HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: 'prompt=consent',
      LOG_LEVEL: 'debug',
    };
    expect(await npmRun('migrate', env).exited).toBe(0);
    admin = npmRun('start:admin', env);
    worker = npmRun('start:worker', env);
    await waitFor(`${base}/health/ready`, 45_000, admin);
    await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 45_000, worker);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([admin && stop(admin), worker && stop(worker)]);
    oidc?.stop();
  }, 60_000);

  it('connects a provider, stores masked credentials, audits, and re-keys from the built CLI', async () => {
    const token = (await call('POST', '/api/v1/auth/login', undefined, { email, password })).body.token as string;
    const ws = (await call('POST', '/api/v1/workspaces', token, { name: 'Vault e2e' })).body.id as string;

    const key = await call('POST', `/api/v1/workspaces/${ws}/credentials`, token, { type: 'apiKey', label: 'Key', secrets: { apiKey: `${CANARY}-key` } });
    expect(key.status).toBe(201);
    const basic = await call('POST', `/api/v1/workspaces/${ws}/credentials`, token, {
      type: 'basic',
      label: 'Warehouse',
      secrets: { username: 'loader', password: `${CANARY}-password` },
    });
    expect(basic.status).toBe(201);
    const installation = await call('POST', `/api/v1/workspaces/${ws}/installations`, token, {
      connectorId: 'example',
      name: 'Example',
      settings: { baseUrl: 'http://127.0.0.1:9/', apiKey: `${CANARY}-setting` },
    });
    expect(installation.status).toBe(201);
    const bad = await call('POST', `/api/v1/workspaces/${ws}/credentials`, token, { type: 'apiKey', label: 'x', secrets: { apiKey: `${CANARY}-bad`, extra: 1 } });
    expect(bad.status).toBe(400);

    // The connect flow through the built admin app, against a real authorization server.
    const start = await call('POST', `/api/v1/workspaces/${ws}/oauth/generic/start`, token, { label: 'IdP' });
    expect(start.status).toBe(200);
    const cookie = (start.headers.get('set-cookie') as string).split(';')[0];
    const back = await followToCallback(start.body.authorizeUrl, base);
    const callback = await call('GET', `/oauth/generic/callback${back.search}`, undefined, undefined, { cookie });
    expect(callback.status).toBe(302);
    const credentialId = new URL(callback.headers.get('location') as string).searchParams.get('credentialId');
    const connected = await call('GET', `/api/v1/workspaces/${ws}/credentials/${credentialId}`, token);
    expect(connected.body).toMatchObject({ type: 'oauth2', provider: 'generic', label: 'IdP', status: 'active' });
    const replay = await call('GET', `/oauth/generic/callback${back.search}`, undefined, undefined, { cookie, accept: 'application/json' });
    expect(replay.status).toBe(403);

    const audit = await call('GET', `/api/v1/workspaces/${ws}/audit`, token);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(
      expect.arrayContaining(['credential.created', 'credential.connected']),
    );

    // Rotation from the built output: the new key first, the old one after it.
    const k = `e2e2:${Buffer.alloc(32, 9).toString('base64')}`;
    const rotate = npmRun('vault:rotate', { ...env, HUB_ENCRYPTION_KEYS: `${k},${env.HUB_ENCRYPTION_KEYS}` }, { args: ['--batch-size', '2'] });
    expect(await rotate.exited).toBe(0);
    const summary = JSON.parse(rotate.output().trim().split('\n').pop() as string);
    expect(summary).toMatchObject({ activeKeyId: 'e2e2', failed: [], remaining: 0 });
    expect(summary.rekeyed.credentials).toBeGreaterThanOrEqual(3);
    expect(rotate.output()).not.toContain(Buffer.alloc(32, 9).toString('base64'));
  }, 60_000);

  it('shows no canary secret in any response or process output', () => {
    expect(bodies.length).toBeGreaterThan(10);
    for (const body of bodies) expect(body).not.toContain(CANARY);
    expect(admin.output()).not.toContain(CANARY);
    expect(worker.output()).not.toContain(CANARY);
    expect(admin.output()).toContain('"msg":"request completed"');
  });
});

describe('boot with bad OAuth variables', () => {
  it('stops with a message naming the variable, never its value', async () => {
    const started = npmRun('start:admin', {
      DATABASE_URL: database,
      HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
      HUB_OAUTH_GENERIC_CLIENT_ID: 'id',
      HUB_OAUTH_GENERIC_CLIENT_SECRET: 'generic-secret-value',
      HUB_OAUTH_GENERIC_TOKEN_URL: 'not a url',
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('HUB_OAUTH_GENERIC_AUTHORIZE_URL');
    expect(started.output()).toContain('HUB_OAUTH_GENERIC_TOKEN_URL');
    expect(started.output()).not.toContain('generic-secret-value');
  }, 30_000);
});
