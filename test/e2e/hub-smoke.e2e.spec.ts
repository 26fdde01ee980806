/**
 * The built apps as processes, started with the same npm scripts as the Dockerfile and compose
 * file, driven over HTTP as an admin would: migrate (twice and concurrently), boot, log in as
 * the bootstrap admin, create a workspace, browse the catalog, install and enable a connector,
 * then SIGTERM both apps.
 */
import { freePort, npmRun, ownDatabase, stop, waitFor, type Started } from './processes';

const email = `smoke-${Date.now()}@example.com`;
const password = 'correct horse battery staple';

const database = ownDatabase('smoke');

describe('hub smoke (built apps as processes)', () => {
  let env: Record<string, string>;
  let admin: Started;
  let worker: Started;
  let base: string;

  beforeAll(async () => {
    const adminPort = await freePort();
    const workerPort = await freePort();
    base = `http://127.0.0.1:${adminPort}`;
    env = {
      DATABASE_URL: database,
      REDIS_URL: process.env.REDIS_URL as string,
      HUB_REDIS_PREFIX: process.env.HUB_REDIS_PREFIX as string,
      HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
      ADMIN_PORT: String(adminPort),
      WORKER_PORT: String(workerPort),
      HUB_ADMIN_EMAIL: email,
      HUB_ADMIN_PASSWORD: password,
      LOG_LEVEL: 'info',
    };
    const first = await Promise.all([npmRun('migrate', env).exited, npmRun('migrate', env).exited]);
    expect(first).toEqual([0, 0]);
    const again = npmRun('migrate', env);
    expect(await again.exited).toBe(0);
    expect(again.output()).toContain('database is up to date');

    admin = npmRun('start:admin', env);
    worker = npmRun('start:worker', env);
    await waitFor(`${base}/health/ready`, 45_000, admin);
    await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 45_000, worker);
  }, 120_000);

  afterAll(async () => {
    const codes = await Promise.all([admin && stop(admin), worker && stop(worker)]);
    // Graceful shutdown on SIGTERM exits cleanly.
    expect(codes).toEqual([0, 0]);
  }, 60_000);

  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined, text };
  };

  it('walks an admin through login, workspace, catalog and installation', async () => {
    const bad = await call('POST', '/api/v1/auth/login', undefined, { email, password: 'wrong password!' });
    expect(bad.status).toBe(401);

    const login = await call('POST', '/api/v1/auth/login', undefined, { email, password });
    expect(login.status).toBe(200);
    const token = login.body.token as string;

    const me = await call('GET', '/api/v1/me', token);
    expect(me.body.email).toBe(email);

    const ws = await call('POST', '/api/v1/workspaces', token, { name: 'Smoke Workspace' });
    expect(ws.status).toBe(201);

    const catalog = await call('GET', '/api/v1/connectors', token);
    expect(catalog.status).toBe(200);
    const example = catalog.body.items.find((c: { id: string }) => c.id === 'example');
    expect(example).toBeDefined();
    expect(example.settingsSchema.properties.apiKey.secret).toBe(true);

    const installation = await call('POST', `/api/v1/workspaces/${ws.body.id}/installations`, token, {
      connectorId: 'example',
      name: 'Example',
      settings: { baseUrl: 'http://127.0.0.1:9/', apiKey: 'smoke-canary-secret-1234' },
    });
    expect(installation.status).toBe(201);
    expect(installation.text).not.toContain('smoke-canary-secret-1234');

    const list = await call('GET', `/api/v1/workspaces/${ws.body.id}/installations`, token);
    expect(list.body.items).toHaveLength(1);
    expect(list.text).not.toContain('smoke-canary-secret-1234');

    const docs = await call('GET', '/api/docs-json');
    expect(docs.status).toBe(200);
    expect(Object.keys(docs.body.paths)).toEqual(expect.arrayContaining(['/api/v1/auth/login', '/api/v1/connectors']));

    // The create-admin CLI reads the password from stdin and makes a user who can log in.
    const cliEmail = `cli-${Date.now()}@example.com`;
    const cli = npmRun('create-admin', env, { args: ['--email', cliEmail], stdin: 'cli user password 123\n' });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain(`created user ${cliEmail}`);
    expect((await call('POST', '/api/v1/auth/login', undefined, { email: cliEmail, password: 'cli user password 123' })).status).toBe(200);

    const metrics = await fetch(`${base}/metrics`);
    expect(await metrics.text()).toContain('hub_http_request_duration_seconds');

    expect(admin.output()).not.toContain(password);
    expect(admin.output()).not.toContain('smoke-canary-secret-1234');
  });
});

describe('boot with bad configuration', () => {
  it('stops with a message naming the variable', async () => {
    const started = npmRun('start:admin', {
      DATABASE_URL: database,
      HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
      ADMIN_PORT: 'not-a-port',
    });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('ADMIN_PORT');
  }, 30_000);

  it('refuses to start without a keyring', async () => {
    const started = npmRun('start:worker', { DATABASE_URL: database, HUB_ENCRYPTION_KEYS: '' });
    expect(await started.exited).toBe(1);
    expect(started.output()).toContain('HUB_ENCRYPTION_KEYS');
  }, 30_000);
});
