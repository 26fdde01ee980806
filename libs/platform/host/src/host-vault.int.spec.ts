/**
 * The host with the vault, end to end: an admin connects an OAuth installation through a real
 * authorization server (oidc-provider, Salesforce-like: no expires_in, rotated refresh tokens,
 * `instance_url`), connector runs use the credential, a 401 refreshes once, a revoked refresh
 * token ends in `needs_reauth` and `needs_attention`, reconnecting heals. Then the secret
 * canaries: no secret in logs, API bodies, Redis or Postgres outside the ciphertext columns.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, TestRoles } from '@hub/auth/testing';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { LoggingModule } from '@hub/observability';
import { PersistenceModule, runMigrations } from '@hub/persistence';
import { DeadLettersApiModule, QueueModule } from '@hub/queue';
import { AuthError, defineConnector, PermanentApiError, RetryableError, secret } from '@hub/sdk';
import { credentialAad, CredentialsModule, OAuthModule, SecretBox, VaultModule } from '@hub/vault';
import Redis from 'ioredis';
import { Logger } from 'nestjs-pino';
import request, { type Response } from 'supertest';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { HostModule, HostWorkerModule } from './host.module';

// Unique per run: a hit can only come from this test's secrets.
const CANARY = `canary-${randomUUID()}`;
const canary = (what: string) => `${CANARY}-${what}`;
const CLIENT_SECRET = canary('client-secret');
const PUBLIC_URL = 'http://hub.test';
// Password hashing, processes and a real authorization server: slow on a loaded 2-core runner.
jest.setTimeout(60_000);

const seen = { whoami: [] as { status: number; sub?: string }[], keys: [] as string[] };

const oauthCrm = defineConnector({
  id: 'vault-oauth-crm',
  version: '1.0.0',
  name: 'Vault OAuth CRM',
  description: 'Signs in with OAuth; calls the instance URL it was given, as a Salesforce connector does',
  category: 'enrichment',
  settings: z.object({ signingSecret: secret(z.string().min(8)).optional() }),
  auth: { type: 'oauth2', provider: 'generic', scopes: ['openid', 'offline_access'], tokenFields: ['instance_url'] },
  async check(ctx) {
    if (ctx.credentials.type !== 'oauth2') return { ok: false, message: 'no OAuth credentials' };
    const res = await ctx.http.request({ url: `${ctx.credentials.metadata.instance_url}/me` });
    if (res.status !== 200) return { ok: false, message: `The CRM answered ${res.status}` };
    return { ok: true, message: `Logged in as ${(await res.json<{ sub: string }>()).sub}` };
  },
  actions: {
    whoami: {
      title: 'Who am I',
      input: z.object({}),
      async perform(ctx) {
        if (ctx.credentials.type !== 'oauth2') throw new AuthError('no OAuth credentials');
        // A careless connector: the token and a secret setting in a log line.
        ctx.logger.info(`calling ${ctx.credentials.metadata.instance_url}/me with ${ctx.credentials.accessToken}`, {
          secret: ctx.settings.signingSecret,
          token: ctx.credentials.accessToken,
        });
        const res = await ctx.http.request({ url: `${ctx.credentials.metadata.instance_url}/me` });
        seen.whoami.push({ status: res.status, ...(res.ok ? { sub: (await res.json<{ sub: string }>()).sub } : {}) });
        if (res.status === 401) throw new AuthError('The CRM refused the token (401)');
        return { ok: true };
      },
    },
    flaky: {
      title: 'Flaky',
      input: z.object({}),
      async perform(ctx) {
        // Retried: the error (message and stack) is what BullMQ keeps in Redis between attempts.
        const token = ctx.credentials.type === 'oauth2' ? ctx.credentials.accessToken : '';
        throw new RetryableError(`the CRM timed out answering ${token}`);
      },
    },
    fail: {
      title: 'Fail',
      input: z.object({}),
      async perform(ctx) {
        const token = ctx.credentials.type === 'oauth2' ? ctx.credentials.accessToken : '';
        throw new PermanentApiError(`the CRM refused ${token} signed with ${String(ctx.settings.signingSecret)}`, 400);
      },
    },
  },
});

const keyCrm = defineConnector({
  id: 'vault-key-crm',
  version: '1.0.0',
  name: 'Vault Key CRM',
  description: 'Signs in with an API key from the vault',
  category: 'destination',
  settings: z.object({ region: z.enum(['eu', 'us']).default('us') }),
  auth: { type: 'apiKey' },
  async check(ctx) {
    if (ctx.credentials.type !== 'apiKey') return { ok: false, message: 'no API key' };
    seen.keys.push(ctx.credentials.apiKey);
    return { ok: true, message: `Key accepted (${ctx.settings.region})` };
  },
  actions: {
    leak: {
      title: 'Leak',
      input: z.object({}),
      async perform(ctx) {
        const key = ctx.credentials.type === 'apiKey' ? ctx.credentials.apiKey : '';
        ctx.logger.warn(`using key ${key}`);
        throw new PermanentApiError(`key ${key} was refused`, 400);
      },
    },
  },
});

/** A secret-setting connector: its key is a secret setting, sealed in installation_secrets. */
const settingsCrm = defineConnector({
  id: 'vault-settings-crm',
  version: '1.0.0',
  name: 'Vault Settings CRM',
  description: 'Carries its key as a secret setting',
  category: 'destination',
  settings: z.object({ apiKey: secret(z.string().min(8)) }),
  auth: { type: 'apiKey' },
  async check(ctx) {
    return ctx.credentials.type === 'apiKey' && ctx.credentials.apiKey === ctx.settings.apiKey
      ? { ok: true, message: 'Key from the settings' }
      : { ok: false, message: 'credentials were not built from the apiKey setting' };
  },
});

const ADMIN = randomUUID();
const roles = new TestRoles();

class CaptureStream extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.lines.push(chunk.toString());
    callback();
  }
}

/** oidc-provider as a Salesforce stand-in (vault/test/oidc-server.mjs; started by path, not imported). */
async function startAuthorizationServer(): Promise<{ child: ChildProcess; issuer: string }> {
  const child = spawn(process.execPath, [join(__dirname, '../../vault/test/oidc-server.mjs')], {
    env: {
      ...process.env,
      CLIENT_ID: 'hub-host',
      CLIENT_SECRET,
      REDIRECT_URI: `${PUBLIC_URL}/oauth/generic/callback`,
      INSTANCE_URL: 'self',
      AUTO_LOGIN: '1',
      ROTATE_REFRESH: '1',
      NO_EXPIRES_IN: '1',
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve(JSON.parse(line).issuer));
    child.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
  });
  return { child, issuer };
}

/** The admin's browser at the provider: login and consent finish on their own; follow redirects back to the hub. */
async function followToCallback(url: string): Promise<URL> {
  const jar = new Map<string, string>();
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(PUBLIC_URL)) return new URL(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(';')[0];
      jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    const location = res.headers.get('location');
    if (!location) throw new Error(`authorization server answered ${res.status}`);
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects');
}

async function waitFor<T>(probe: () => Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('host with the vault: OAuth connection, runs, refresh, needs_reauth, secret canaries', () => {
  let oidc: { child: ChildProcess; issuer: string };
  let config: HubEnv;
  let app: INestApplication;
  let ds: DataSource;
  let box: SecretBox;
  const logs = new CaptureStream();
  const bodies: string[] = [];
  /** Every OAuth token the provider issued to the hub during the test: canaries too. */
  const issuedTokens = new Set<string>();
  let ws: string;
  let wsOther: string;
  const api = () => request(app.getHttpServer());
  const track = (res: Response): Response => {
    bodies.push(res.text ?? '', JSON.stringify(res.headers));
    return res;
  };
  const as = { 'x-test-user': ADMIN };

  const counts = async () => (await (await fetch(`${oidc.issuer}/__test/counts`)).json()) as { refresh_token: number };
  const tokensOf = async (credentialId: string) => {
    const [row] = (await ds.query(`SELECT workspace_id, key_id, iv, ciphertext, auth_tag FROM credentials WHERE id = $1`, [credentialId])) as {
      workspace_id: string;
      key_id: string;
      iv: Buffer;
      ciphertext: Buffer;
      auth_tag: Buffer;
    }[];
    const secrets = box.openJson<{ accessToken: string; refreshToken?: string }>(
      { keyId: row.key_id, iv: row.iv, ciphertext: row.ciphertext, authTag: row.auth_tag },
      credentialAad(row.workspace_id, credentialId),
    );
    issuedTokens.add(secrets.accessToken);
    if (secrets.refreshToken) issuedTokens.add(secrets.refreshToken);
    return secrets;
  };
  const revoke = async (token: string, hint: string) => {
    const res = await fetch(`${oidc.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint, client_id: 'hub-host', client_secret: CLIENT_SECRET }).toString(),
    });
    expect(res.status).toBe(200);
  };
  const connect = async (installationId: string) => {
    const start = track(await api().post(`/api/v1/workspaces/${ws}/oauth/generic/start`).set(as).send({ label: 'CRM prod', installationId }));
    expect(start.status).toBe(200);
    const back = await followToCallback(start.body.authorizeUrl);
    const cookie = (start.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const res = track(await api().get(`/oauth/generic/callback${back.search}`).set('cookie', cookie).set('accept', 'application/json'));
    expect(res.status).toBe(200);
    await tokensOf(res.body.credentialId);
    return res.body.credentialId as string;
  };
  const installation = async (id: string) => track(await api().get(`/api/v1/workspaces/${ws}/installations/${id}`).set(as)).body;
  const invoke = async (id: string, action: string) => {
    const res = track(await api().post(`/api/v1/workspaces/${ws}/installations/${id}/actions/${action}`).set(as).send({ input: {} }));
    expect(res.status).toBe(202);
    return res.body.jobId as string;
  };
  const deadLetter = (jobName: string, installationId: string, after: number) =>
    waitFor(async () => {
      const rows = (await ds.query(
        `SELECT error_code, reason FROM dead_letters WHERE installation_id = $1 AND job_name = $2 ORDER BY created_at`,
        [installationId, jobName],
      )) as { error_code: string; reason: string }[];
      return rows.length > after ? rows[rows.length - 1] : undefined;
    });

  beforeAll(async () => {
    oidc = await startAuthorizationServer();
    config = {
      ...loadConfig(),
      LOG_LEVEL: 'debug',
      HUB_PUBLIC_URL: PUBLIC_URL,
      HUB_OAUTH_GENERIC_CLIENT_ID: 'hub-host',
      HUB_OAUTH_GENERIC_CLIENT_SECRET: CLIENT_SECRET,
      HUB_OAUTH_GENERIC_AUTHORIZE_URL: `${oidc.issuer}/auth`,
      HUB_OAUTH_GENERIC_TOKEN_URL: `${oidc.issuer}/token`,
      HUB_OAUTH_GENERIC_SCOPES: 'openid offline_access',
      HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: 'prompt=consent',
      HUB_OAUTH_GENERIC_KEEP_FIELDS: 'instance_url',
    };
    await runMigrations(config.DATABASE_URL);
    const connectors = [oauthCrm, keyCrm, settingsCrm];
    @Module({
      imports: [
        HubConfigModule.forRoot(config),
        LoggingModule.forRoot(config, { service: 'admin', stream: logs }),
        PersistenceModule.forRoot({ url: config.DATABASE_URL, poolSize: 6 }),
        VaultModule,
        QueueModule.forRoot({ attempts: 2, backoffDelayMs: 50 }),
        HeaderAuthModule.forRoot(roles),
        CredentialsModule,
        OAuthModule.forRoot(),
        DeadLettersApiModule,
        HostModule.forRoot({ connectors }),
        HostWorkerModule.forRoot({ connectors }),
      ],
    })
    class TestAppModule {}
    app = await NestFactory.create(TestAppModule, { bufferLogs: true });
    app.useLogger(app.get(Logger));
    // Nest flushes buffered logs on listen(); a test app that only init()s flushes by hand.
    app.flushLogs();
    app.useGlobalFilters(new AllExceptionsFilter());
    await app.init();
    ds = app.get(DataSource);
    box = app.get(SecretBox);
    [ws, wsOther] = [randomUUID(), randomUUID()];
    for (const w of [ws, wsOther]) await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Host vault', $2)`, [w, `hv-${w}`]);
    roles.set(ADMIN, new Map([[ws, 'owner'], [wsOther, 'owner']]));
  }, 30_000);

  afterAll(async () => {
    await app?.close().catch(() => undefined);
    oidc?.child.kill('SIGTERM');
  });

  describe('installations link vault credentials', () => {
    it('accepts a credential of the workspace whose type fits the connector; refuses the rest with 400', async () => {
      const key = track(
        await api().post(`/api/v1/workspaces/${ws}/credentials`).set(as).send({ type: 'apiKey', label: 'Key', secrets: { apiKey: canary('vault-key') } }),
      );
      const basic = track(
        await api()
          .post(`/api/v1/workspaces/${ws}/credentials`)
          .set(as)
          .send({ type: 'basic', label: 'Warehouse', secrets: { username: 'loader', password: canary('password') } }),
      );
      const foreign = track(
        await api().post(`/api/v1/workspaces/${wsOther}/credentials`).set(as).send({ type: 'apiKey', label: 'Theirs', secrets: { apiKey: canary('other-ws') } }),
      );
      const create = (body: Record<string, unknown>) => api().post(`/api/v1/workspaces/${ws}/installations`).set(as).send(body).then(track);

      const ok = await create({ connectorId: 'vault-key-crm', name: 'Keyed', credentialId: key.body.id, enabled: true });
      expect(ok.status).toBe(201);
      expect(ok.body).toMatchObject({ credentialId: key.body.id, enabled: true, status: 'ok', statusMessage: 'Key accepted (us)' });
      expect(seen.keys).toContain(canary('vault-key'));

      const wrongType = await create({ connectorId: 'vault-key-crm', name: 'x', credentialId: basic.body.id });
      expect(wrongType.status).toBe(400);
      expect(wrongType.body).toMatchObject({ code: 'CREDENTIAL_TYPE_MISMATCH', fields: [{ path: 'credentialId' }] });
      const wrongProvider = await create({ connectorId: 'vault-oauth-crm', name: 'x', credentialId: key.body.id });
      expect(wrongProvider.body.code).toBe('CREDENTIAL_TYPE_MISMATCH');
      const needsNone = await create({ connectorId: 'vault-settings-crm', name: 'x', settings: { apiKey: canary('setting') }, credentialId: basic.body.id });
      expect(needsNone.body.code).toBe('CREDENTIAL_TYPE_MISMATCH');

      // Another workspace's credential answers exactly like one that does not exist.
      const theirs = await create({ connectorId: 'vault-key-crm', name: 'x', credentialId: foreign.body.id });
      const missing = await create({ connectorId: 'vault-key-crm', name: 'x', credentialId: randomUUID() });
      expect([theirs.status, theirs.body.code]).toEqual([400, 'CREDENTIAL_NOT_FOUND']);
      expect({ ...theirs.body, message: '' }).toEqual({ ...missing.body, message: '' });
      const patched = track(
        await api().patch(`/api/v1/workspaces/${ws}/installations/${ok.body.id}`).set(as).send({ credentialId: foreign.body.id }),
      );
      expect(patched.body.code).toBe('CREDENTIAL_NOT_FOUND');
      expect((await installation(ok.body.id)).credentialId).toBe(key.body.id);

      // A connector that carries its key as a secret setting keeps working without the vault.
      const bySetting = await create({ connectorId: 'vault-settings-crm', name: 'By setting', settings: { apiKey: canary('setting') }, enabled: true });
      expect(bySetting.body).toMatchObject({ status: 'ok', statusMessage: 'Key from the settings', settings: { apiKey: '••••••' } });
      const run = await invoke(ok.body.id, 'leak');
      expect(run).toBeTruthy();
      const dead = await deadLetter('action:leak', ok.body.id, 0);
      expect(dead.reason).toContain('[redacted]');
    });
  });

  describe('an OAuth installation through its whole life', () => {
    let inst: string;
    let credentialId: string;

    it('refuses to enable before it is connected, with what to do', async () => {
      const created = track(
        await api()
          .post(`/api/v1/workspaces/${ws}/installations`)
          .set(as)
          .send({ connectorId: 'vault-oauth-crm', name: 'CRM', settings: { signingSecret: canary('signing') } }),
      );
      expect(created.status).toBe(201);
      inst = created.body.id;
      const refused = track(await api().post(`/api/v1/workspaces/${ws}/installations/${inst}/enable`).set(as));
      expect(refused.status).toBe(409);
      expect(refused.body.message).toContain('/oauth/generic/start');
    });

    it('connects through the provider, enables (check uses the token), and a run calls the instance URL', async () => {
      credentialId = await connect(inst);
      const view = await installation(inst);
      expect(view.credentialId).toBe(credentialId);
      const enabled = track(await api().post(`/api/v1/workspaces/${ws}/installations/${inst}/enable`).set(as));
      expect(enabled.status).toBe(200);
      expect(enabled.body).toMatchObject({ status: 'ok', statusMessage: 'Logged in as alice' });
      const cred = track(await api().get(`/api/v1/workspaces/${ws}/credentials/${credentialId}`).set(as));
      expect(cred.body.metadata.instance_url).toBe(oidc.issuer);
      expect(cred.body.expiresAt).toBeUndefined();

      await invoke(inst, 'whoami');
      await waitFor(async () => seen.whoami.length === 1);
      expect(seen.whoami[0]).toEqual({ status: 200, sub: 'alice' });
    });

    it('a 401 (no expires_in, as Salesforce) refreshes once, retries once, and stores the rotated refresh token', async () => {
      const before = await tokensOf(credentialId);
      await revoke(before.accessToken, 'access_token');
      const n = (await counts()).refresh_token;
      await invoke(inst, 'whoami');
      await waitFor(async () => seen.whoami.length === 2);
      expect(seen.whoami[1]).toEqual({ status: 200, sub: 'alice' });
      expect((await counts()).refresh_token).toBe(n + 1);
      const after = await tokensOf(credentialId);
      expect(after.accessToken).not.toBe(before.accessToken);
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect((await installation(inst)).status).toBe('ok');
    });

    it('a connector error is dead-lettered scrubbed of the token and the secret setting', async () => {
      await invoke(inst, 'fail');
      const dead = await deadLetter('action:fail', inst, 0);
      expect(dead.reason).toBe('the CRM refused [redacted] signed with [redacted]');
      await invoke(inst, 'flaky');
      const retried = await deadLetter('action:flaky', inst, 0);
      expect(retried.reason).toBe('Failed after 2 attempts: the CRM timed out answering [redacted]');
    });

    it('a revoked connection: needs_reauth, the installation needs attention, later runs fail fast; reconnecting heals', async () => {
      const tokens = await tokensOf(credentialId);
      await revoke(tokens.refreshToken as string, 'refresh_token');
      await revoke(tokens.accessToken, 'access_token');
      // Minutes later: a 401 right after a refresh is not refreshed again (see MIN_REFRESH_INTERVAL_MS).
      await ds.query(`UPDATE credentials SET refreshed_at = now() - interval '5 minutes' WHERE id = $1`, [credentialId]);
      const n = (await counts()).refresh_token;
      await invoke(inst, 'whoami');
      const dead = await deadLetter('action:whoami', inst, 0);
      expect(dead.error_code).toBe('AUTH_FAILED');
      expect((await counts()).refresh_token).toBe(n + 1);
      const cred = track(await api().get(`/api/v1/workspaces/${ws}/credentials/${credentialId}`).set(as));
      expect(cred.body.status).toBe('needs_reauth');
      const flagged = await installation(inst);
      expect(flagged.status).toBe('needs_attention');
      expect(flagged.statusMessage).toContain(`/oauth/generic/start with {"installationId":"${inst}"}`);

      // Fail fast: no call to the provider, no retry.
      await invoke(inst, 'whoami');
      await deadLetter('action:whoami', inst, 1);
      expect((await counts()).refresh_token).toBe(n + 1);
      const check = track(await api().post(`/api/v1/workspaces/${ws}/installations/${inst}/check`).set(as));
      expect(check.body).toMatchObject({ ok: false, message: expect.stringContaining('must be renewed') });

      expect(await connect(inst)).toBe(credentialId);
      expect((await installation(inst)).status).toBe('ok');
      const runs = seen.whoami.length;
      await invoke(inst, 'whoami');
      await waitFor(async () => seen.whoami.length === runs + 1);
      expect(seen.whoami[runs]).toEqual({ status: 200, sub: 'alice' });
    });

    it('audits who enabled and disabled it, the connection, the rotation and the refusal', async () => {
      expect(track(await api().post(`/api/v1/workspaces/${ws}/installations/${inst}/disable`).set(as)).status).toBe(200);
      const audit = track(await api().get(`/api/v1/workspaces/${ws}/audit?limit=200`).set(as));
      const mine = (audit.body.items as { action: string; targetId: string; actorUserId: string | null }[])
        .filter((e) => e.targetId === inst || e.targetId === credentialId)
        .reverse();
      expect(mine.map((e) => e.action)).toEqual([
        'credential.connected',
        'installation.enabled',
        'credential.rotated',
        'credential.refresh_failed',
        'credential.connected',
        'installation.disabled',
      ]);
      expect(mine.find((e) => e.action === 'installation.enabled')?.actorUserId).toBe(ADMIN);
      expect(mine.find((e) => e.action === 'credential.rotated')?.actorUserId).toBeNull();
    });
  });

  describe('secret canaries', () => {
    const secrets = () => [CANARY, ...issuedTokens];

    it('the test saw the secrets it looks for', () => {
      expect(issuedTokens.size).toBeGreaterThanOrEqual(6);
      expect(logs.lines.length).toBeGreaterThan(20);
      expect(bodies.length).toBeGreaterThan(30);
      // The careless connector did try to log them.
      expect(logs.lines.some((l) => l.includes('calling ') && l.includes('[redacted]'))).toBe(true);
    });

    it('appear in no log line', () => {
      for (const line of logs.lines) for (const s of secrets()) expect(line).not.toContain(s);
    });

    it('appear in no API response or error body', () => {
      for (const body of bodies) for (const s of secrets()) expect(body).not.toContain(s);
    });

    it('appear in no BullMQ data in Redis (every key of the test prefix)', async () => {
      const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1 });
      try {
        let cursor = '0';
        let keys = 0;
        do {
          const [next, batch] = await redis.scan(cursor, 'MATCH', `${config.HUB_REDIS_PREFIX}:*`, 'COUNT', 500);
          cursor = next;
          for (const key of batch) {
            keys++;
            const type = await redis.type(key);
            const value =
              type === 'hash'
                ? JSON.stringify(await redis.hgetall(key))
                : type === 'list'
                  ? JSON.stringify(await redis.lrange(key, 0, -1))
                  : type === 'zset'
                    ? JSON.stringify(await redis.zrange(key, 0, -1))
                    : type === 'set'
                      ? JSON.stringify(await redis.smembers(key))
                      : type === 'stream'
                        ? JSON.stringify(await redis.xrange(key, '-', '+'))
                        : type === 'string'
                          ? String(await redis.get(key))
                          : '';
            for (const s of secrets()) expect({ key, leaked: value.includes(s) }).toEqual({ key, leaked: false });
          }
        } while (cursor !== '0');
        expect(keys).toBeGreaterThan(5);
      } finally {
        redis.disconnect();
      }
    });

    it('appear in no Postgres column outside the ciphertext columns (every column of every table)', async () => {
      const columns = (await ds.query(
        `SELECT table_name, column_name FROM information_schema.columns
          WHERE table_schema = 'public' AND column_name NOT IN ('iv', 'ciphertext', 'auth_tag')
          ORDER BY table_name, ordinal_position`,
      )) as { table_name: string; column_name: string }[];
      const byTable = new Map<string, string[]>();
      for (const c of columns) byTable.set(c.table_name, [...(byTable.get(c.table_name) ?? []), c.column_name]);
      const hex = (s: string) => Buffer.from(s).toString('hex');
      let scanned = 0;
      for (const [table, cols] of byTable) {
        const select = cols.map((c) => `coalesce("${c}"::text, '')`).join(` || ' ' || `);
        const rows = (await ds.query(`SELECT ${select} AS j FROM "${table}"`)) as { j: string }[];
        for (const { j } of rows) {
          scanned++;
          for (const s of secrets()) {
            expect({ table, leaked: j.includes(s) || j.includes(hex(s)) }).toEqual({ table, leaked: false });
          }
        }
      }
      expect(scanned).toBeGreaterThan(20);
    });
  });
});
