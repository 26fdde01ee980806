import { freePort, npmRun, stop, waitFor, type Started } from './processes';

/**
 * The built admin app and worker as processes on the run's database and Redis prefix, with a
 * logged-in owner, a workspace and an enabled Segment destination (its write key), for the
 * profile e2e tests. The worker can be killed and started again.
 */
export interface HubUnderTest {
  base: string;
  token: string;
  workspaceId: string;
  installationId: string;
  writeKey: string;
  env: Record<string, string>;
  admin: Started;
  worker: Started;
  startWorker(): Promise<void>;
  killWorker(): Promise<void>;
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

type Call = (method: string, path: string, token?: string, body?: unknown) => Promise<{ status: number; body: any }>;

const caller =
  (base: string): Call =>
  async (method, path, token, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

export async function startHub(extraEnv: Record<string, string> = {}): Promise<HubUnderTest> {
  const [adminPort, workerPort] = [await freePort(), await freePort()];
  const email = `profiles-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.test`;
  const password = 'profiles e2e password';
  const env: Record<string, string> = {
    DATABASE_URL: process.env.DATABASE_URL as string,
    REDIS_URL: process.env.REDIS_URL as string,
    HUB_REDIS_PREFIX: process.env.HUB_REDIS_PREFIX as string,
    HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
    ADMIN_PORT: String(adminPort),
    WORKER_PORT: String(workerPort),
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  const migrate = npmRun('migrate', env);
  if ((await migrate.exited) !== 0) throw new Error(`migrate failed: ${migrate.output()}`);
  // Several hubs share the run's database, so each makes its own user with the create-admin CLI
  // (the first-admin bootstrap runs only on an empty database).
  const cli = npmRun('create-admin', env, { args: ['--email', email], stdin: `${password}\n` });
  if ((await cli.exited) !== 0) throw new Error(`create-admin failed: ${cli.output()}`);

  const base = `http://127.0.0.1:${adminPort}`;
  const call = caller(base);
  const admin = npmRun('start:admin', env);
  const hub: HubUnderTest = {
    base,
    token: '',
    workspaceId: '',
    installationId: '',
    writeKey: '',
    env,
    admin,
    worker: undefined as unknown as Started,
    async startWorker() {
      hub.worker = npmRun('start:worker', env);
      await waitFor(`http://127.0.0.1:${workerPort}/health/ready`, 45_000, hub.worker);
    },
    async killWorker() {
      hub.worker.child.kill('SIGKILL');
      await hub.worker.exited;
    },
    api: (method, path, body) => call(method, `/api/v1/workspaces/${hub.workspaceId}${path}`, hub.token, body),
    async close() {
      await Promise.all([stop(admin), hub.worker && stop(hub.worker)]);
    },
  };
  try {
    await waitFor(`${base}/health/ready`, 45_000, admin);
    const login = await call('POST', '/api/v1/auth/login', undefined, { email, password });
    if (login.status !== 200) throw new Error(`login: ${login.status}`);
    hub.token = login.body.token;
    const ws = await call('POST', '/api/v1/workspaces', hub.token, { name: `Profiles e2e ${Date.now()}` });
    hub.workspaceId = ws.body.id;
    const inst = await call('POST', `/api/v1/workspaces/${hub.workspaceId}/installations`, hub.token, {
      connectorId: 'segment-destination',
      name: 'Segment',
      settings: {},
      enabled: true,
    });
    if (inst.status !== 201) throw new Error(`installation: ${inst.status} ${JSON.stringify(inst.body)}`);
    hub.installationId = inst.body.id;
    hub.writeKey = (inst.body.inboundKeys as { name: string; value: string }[]).find((k) => k.name === 'writeKey')?.value as string;
    await hub.startWorker();
    return hub;
  } catch (err) {
    await hub.close();
    throw err;
  }
}

export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
