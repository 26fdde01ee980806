/**
 * The built admin app as a process (main.ts as shipped: its JSON body parser, bearer guard and
 * request logs), receiving from Segment: partner delivery with Segment's headers, gzip Tracking
 * API batch, and nothing of the keys or event bodies in its logs even at debug level.
 */
import { gzipSync } from 'node:zlib';
import { Client } from 'pg';
import { freePort, npmRun, ownDatabase, stop, waitFor, type Started } from './processes';

const email = `ingest-e2e-${Date.now()}@example.com`;
const password = 'ingest e2e password 123';
const CANARY = `body-canary-${Date.now()}`;

const database = ownDatabase('inbound');

describe('Segment inbound routes of the built admin app', () => {
  let admin: Started;
  let base: string;

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const env = {
      DATABASE_URL: database,
      REDIS_URL: process.env.REDIS_URL as string,
      HUB_REDIS_PREFIX: process.env.HUB_REDIS_PREFIX as string,
      HUB_ENCRYPTION_KEYS: process.env.HUB_ENCRYPTION_KEYS as string,
      ADMIN_PORT: String(port),
      HUB_ADMIN_EMAIL: email,
      HUB_ADMIN_PASSWORD: password,
      LOG_LEVEL: 'debug',
    };
    expect(await npmRun('migrate', env).exited).toBe(0);
    admin = npmRun('start:admin', env);
    await waitFor(`${base}/health/ready`, 45_000, admin);
  }, 120_000);

  afterAll(async () => {
    if (admin) expect(await stop(admin)).toBe(0);
  }, 60_000);

  const api = async (path: string, token: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };

  it('commits deliveries and Tracking API batches, and logs neither keys nor bodies', async () => {
    const login = await fetch(`${base}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const token = ((await login.json()) as { token: string }).token;
    const ws = (await api('/api/v1/workspaces', token, { name: 'Ingest e2e' })).body.id as string;
    const inst = await api(`/api/v1/workspaces/${ws}/installations`, token, { connectorId: 'segment-destination', name: 'Segment', settings: {}, enabled: true });
    expect(inst.status).toBe(201);
    const key = (name: string) => inst.body.inboundKeys.find((k: { name: string }) => k.name === name).value as string;
    const apiKey = key('apiKey');
    const writeKey = key('writeKey');

    const settingsHeader = Buffer.from(JSON.stringify({ apiKey })).toString('base64');
    const partner = await fetch(`${base}/hooks/segment`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${apiKey}:`).toString('base64')}`,
        'content-type': 'application/json',
        'user-agent': 'Segment.io/1.0',
        'x-segment-settings': settingsHeader,
      },
      body: JSON.stringify({ type: 'identify', userId: 'e2e-user', messageId: 'e2e-1', traits: { secretNote: CANARY } }),
    });
    expect(partner.status).toBe(200);
    expect(await partner.json()).toEqual({ success: true });

    // Over main.ts's 1 MB JSON limit once inflated would not matter: the edge reads its own bodies.
    const batch = { batch: Array.from({ length: 2000 }, (_, i) => ({ type: 'track', userId: 'e2e-user', event: 'Bulk', messageId: `e2e-b${i}`, properties: { note: CANARY } })), writeKey };
    const tracking = await fetch(`${base}/v1/batch`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(Buffer.from(JSON.stringify(batch))),
    });
    expect(tracking.status).toBe(200);

    const db = new Client({ connectionString: database });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT sum(event_count)::int AS n FROM inbox WHERE installation_id = $1`, [inst.body.id]);
      expect(rows[0].n).toBe(2001);
    } finally {
      await db.end();
    }

    const logs = admin.output();
    expect(logs).toContain('/hooks/segment');
    for (const secret of [apiKey, writeKey, apiKey.slice(12), CANARY, settingsHeader, Buffer.from(`${apiKey}:`).toString('base64')]) {
      expect(logs).not.toContain(secret);
    }
  }, 60_000);
});
