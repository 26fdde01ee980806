import { randomUUID } from 'node:crypto';
import { type INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HeaderAuthModule, TestRoles } from '@hub/auth/testing';
import { type HubEnv, HubConfigModule, loadConfig } from '@hub/config';
import { AllExceptionsFilter } from '@hub/http';
import { CredentialEntity, dataSourceOptions, PersistenceModule, runMigrations } from '@hub/persistence';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { followToCallback, type OidcServer, startOidcServer } from '../../test/oidc-kit';
import { AuditService } from '../audit/audit.service';
import { openCredential } from '../credentials/credential-secrets';
import { CredentialsService } from '../credentials/credentials.service';
import { CredentialsModule } from '../credentials.module';
import { OAUTH_PROVIDERS, type OAuthProvider } from '../oauth/oauth-providers';
import { OAuthModule } from '../oauth/oauth.module';
import { SecretBox } from '../secret-box';
import { VaultModule } from '../vault.module';
import { CredentialNeedsReauthError, CredentialRefreshError } from '../vault.exception';
import { TokenRefresher } from './token-refresh.service';

const ADMIN = randomUUID();
const roles = new TestRoles();

const PUBLIC_URL = 'http://hub.test';
const CALLBACK = `${PUBLIC_URL}/oauth/generic/callback`;
const CLIENT_SECRET = `client-secret-${randomUUID()}`;
// Password hashing, processes and a real authorization server: slow on a loaded 2-core runner.
jest.setTimeout(60_000);

describe('token refresh against oidc-provider (single-flight across connections, rotation, invalid_grant)', () => {
  let oidc: OidcServer;
  let app: INestApplication;
  let ds: DataSource;
  let box: SecretBox;
  let credentials: CredentialsService;
  let ws: string;
  const api = () => request(app.getHttpServer());

  /** The whole connect flow through the hub's API; answers the stored credential's id. */
  const connect = async (body: Record<string, unknown> = {}): Promise<string> => {
    const start = await api().post(`/api/v1/workspaces/${ws}/oauth/generic/start`).set('x-test-user', ADMIN).send({ label: 'IdP', ...body });
    expect(start.status).toBe(200);
    const cookie = (start.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
    const back = await followToCallback(start.body.authorizeUrl, PUBLIC_URL);
    const res = await api().get(`/oauth/generic/callback${back.search}`).set('cookie', cookie).set('accept', 'application/json');
    expect(res.status).toBe(200);
    return res.body.credentialId as string;
  };
  const row = (id: string) => ds.manager.findOneByOrFail(CredentialEntity, { id, workspaceId: ws });
  const sealedTokens = async (id: string) => {
    const secrets = openCredential(box, await row(id));
    if (secrets.type !== 'oauth2') throw new Error('expected oauth2');
    return secrets;
  };
  const expire = (id: string, at = `now() - interval '1 minute'`) => ds.query(`UPDATE credentials SET expires_at = ${at} WHERE id = $1`, [id]);
  const refreshes = async () => (await oidc.counts()).refresh_token;
  const auditOf = (id: string) =>
    ds.query(`SELECT action, actor_user_id, details FROM audit_events WHERE target_id = $1 ORDER BY created_at, id`, [id]) as Promise<
      { action: string; actor_user_id: string | null; details: Record<string, unknown> }[]
    >;

  beforeAll(async () => {
    oidc = await startOidcServer({
      clientId: 'hub-refresh',
      clientSecret: CLIENT_SECRET,
      redirectUri: CALLBACK,
      autoLogin: true,
      rotateRefresh: true,
      // Every refresh takes a while, so 50 concurrent uses really overlap it.
      tokenDelayMs: 300,
    });
    const config: HubEnv = {
      ...loadConfig(),
      HUB_PUBLIC_URL: PUBLIC_URL,
      HUB_OAUTH_GENERIC_CLIENT_ID: 'hub-refresh',
      HUB_OAUTH_GENERIC_CLIENT_SECRET: CLIENT_SECRET,
      HUB_OAUTH_GENERIC_AUTHORIZE_URL: `${oidc.issuer}/auth`,
      HUB_OAUTH_GENERIC_TOKEN_URL: `${oidc.issuer}/token`,
      HUB_OAUTH_GENERIC_SCOPES: 'openid offline_access',
      HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: 'prompt=consent',
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
    box = app.get(SecretBox);
    credentials = app.get(CredentialsService);
    ws = randomUUID();
    roles.grant(ADMIN, ws, 'owner');
    await ds.query(`INSERT INTO workspaces (id, name, slug) VALUES ($1, 'Refresh', $2)`, [ws, `rf-${ws}`]);
  }, 30_000);

  afterAll(async () => {
    await app?.close();
    oidc?.stop();
  });

  it('refreshes a token about to expire, stores the rotated refresh token, and the new access token works', async () => {
    const id = await connect();
    const before = await sealedTokens(id);
    expect(before.refreshToken).toBeTruthy();
    expect(await oidc.userinfo(before.accessToken)).toBe(200);

    // Still valid for 30 s: inside the refresh margin, so it is refreshed before use.
    await expire(id, `now() + interval '30 seconds'`);
    const n = await refreshes();
    const used = await credentials.resolve(ws, id);
    if (used.type !== 'oauth2') throw new Error('expected oauth2');
    expect(await refreshes()).toBe(n + 1);
    const after = await sealedTokens(id);
    expect(used.accessToken).toBe(after.accessToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(await oidc.userinfo(after.accessToken)).toBe(200);
    const stored = await row(id);
    expect(stored.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3_000_000);
    expect(stored.refreshedAt).toBeInstanceOf(Date);

    // Fresh now: the next use does not refresh.
    await credentials.resolve(ws, id);
    expect(await refreshes()).toBe(n + 1);
    const audit = await auditOf(id);
    expect(audit.map((e) => e.action)).toEqual(['credential.connected', 'credential.rotated']);
    expect(audit[1]).toMatchObject({ actor_user_id: null, details: { provider: 'generic', rotated: 'refresh_token' } });
    expect(JSON.stringify(audit)).not.toContain(after.refreshToken as string);
  });

  it('50 concurrent uses of one expired credential, each through its own connection, cause exactly one refresh request', async () => {
    const id = await connect();
    await expire(id);
    const providers = app.get<Map<string, OAuthProvider>>(OAUTH_PROVIDERS);
    // 50 "processes": each its own DataSource (one connection) and its own refresher, so the
    // in-process single flight cannot help; only the row lock in Postgres can.
    const sources = await Promise.all(
      Array.from({ length: 50 }, () => new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 1)).initialize()),
    );
    try {
      const services = sources.map((source) => {
        const audit = new AuditService(source);
        return new CredentialsService(source, box, audit, new TokenRefresher(source, box, audit, providers));
      });
      const n = await refreshes();
      const results = await Promise.all(services.map((service) => service.resolve(ws, id)));
      expect(await refreshes()).toBe(n + 1);
      const tokens = new Set(results.map((c) => (c.type === 'oauth2' ? c.accessToken : '')));
      expect(tokens.size).toBe(1);
      const [token] = [...tokens];
      expect(token).toBe((await sealedTokens(id)).accessToken);
      expect(await oidc.userinfo(token)).toBe(200);
    } finally {
      await Promise.all(sources.map((s) => s.destroy()));
    }
    // The rotated refresh token stored by that one refresh is the live one: had a second refresh
    // reused the old token, oidc-provider would have revoked the whole grant.
    await expire(id);
    const again = await credentials.resolve(ws, id);
    expect(again.type === 'oauth2' && (await oidc.userinfo(again.accessToken))).toBe(200);
  }, 60_000);

  it('a 401 refreshes once; a caller still holding the replaced token gets the new one without another refresh', async () => {
    const id = await connect();
    const first = await sealedTokens(id);
    const n = await refreshes();
    const [a, b] = await Promise.all([
      credentials.refreshAfterRejection(ws, id, first.accessToken),
      credentials.refreshAfterRejection(ws, id, first.accessToken),
    ]);
    expect(await refreshes()).toBe(n + 1);
    expect(a).toEqual(b);
    const late = await credentials.refreshAfterRejection(ws, id, first.accessToken);
    expect(late).toEqual(a);
    expect(await refreshes()).toBe(n + 1);
    // The provider rejecting a token issued a moment ago is not fixed by refreshing per request.
    const fresh = a.type === 'oauth2' ? a.accessToken : '';
    const refused = await credentials.refreshAfterRejection(ws, id, fresh).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(CredentialRefreshError);
    expect(refused).toMatchObject({ retryable: false });
    expect(await refreshes()).toBe(n + 1);
  });

  it('a revoked refresh token: needs_reauth, its installations need attention, later uses fail fast; reconnecting heals', async () => {
    const [linked, sharing, disabled] = [randomUUID(), randomUUID(), randomUUID()];
    for (const [id, enabled] of [[linked, true], [sharing, true], [disabled, false]] as const) {
      await ds.query(
        `INSERT INTO installations (id, workspace_id, connector_id, connector_version, name, enabled, status) VALUES ($1, $2, 'x', '1.0.0', 'X', $3, $4)`,
        [id, ws, enabled, enabled ? 'ok' : 'disabled'],
      );
    }
    const id = await connect({ installationId: linked });
    await ds.query(`UPDATE installations SET credential_id = $1 WHERE id = ANY($2::uuid[])`, [id, [sharing, disabled]]);
    await oidc.revoke((await sealedTokens(id)).refreshToken as string, 'refresh_token');
    await expire(id);

    const n = await refreshes();
    await expect(credentials.resolve(ws, id)).rejects.toBeInstanceOf(CredentialNeedsReauthError);
    expect(await refreshes()).toBe(n + 1);
    const view = await api().get(`/api/v1/workspaces/${ws}/credentials/${id}`).set('x-test-user', ADMIN);
    expect(view.body).toMatchObject({ status: 'needs_reauth', statusMessage: expect.stringContaining('invalid_grant') });
    const statuses = (await ds.query(`SELECT id, status, status_message FROM installations WHERE id = ANY($1::uuid[])`, [[linked, sharing, disabled]])) as {
      id: string;
      status: string;
      status_message: string | null;
    }[];
    const byId = new Map(statuses.map((s) => [s.id, s]));
    for (const inst of [linked, sharing]) {
      expect(byId.get(inst)?.status).toBe('needs_attention');
      expect(byId.get(inst)?.status_message).toContain(`/api/v1/workspaces/${ws}/oauth/generic/start with {"installationId":"${inst}"}`);
    }
    expect(byId.get(disabled)?.status).toBe('disabled');
    const failed = (await auditOf(id)).find((e) => e.action === 'credential.refresh_failed');
    expect(failed?.details).toMatchObject({ error: 'invalid_grant', installationsFlagged: 2 });

    // No retry storm: every later use fails at once, without asking the provider again.
    const later = await Promise.all(Array.from({ length: 10 }, () => credentials.resolve(ws, id).catch((e: Error) => e)));
    expect(later.every((e) => e instanceof CredentialNeedsReauthError)).toBe(true);
    await expect(credentials.refreshAfterRejection(ws, id, 'whatever')).rejects.toBeInstanceOf(CredentialNeedsReauthError);
    expect(await refreshes()).toBe(n + 1);

    // Reconnecting the installation puts new tokens into the same credential and heals both installations.
    expect(await connect({ installationId: linked })).toBe(id);
    const healed = await credentials.resolve(ws, id);
    expect(healed.type === 'oauth2' && (await oidc.userinfo(healed.accessToken))).toBe(200);
    const after = (await api().get(`/api/v1/workspaces/${ws}/credentials/${id}`).set('x-test-user', ADMIN)).body;
    expect(after.status).toBe('active');
    expect(after.statusMessage).toBeUndefined();
    const now = (await ds.query(`SELECT status FROM installations WHERE id = ANY($1::uuid[]) ORDER BY status`, [[linked, sharing, disabled]])) as {
      status: string;
    }[];
    expect(now.map((s) => s.status)).toEqual(['disabled', 'ok', 'ok']);
    expect((await auditOf(id)).filter((e) => e.action === 'credential.connected')).toHaveLength(2);
  });

  it('an expired credential without a refresh token needs reauthorization, without a token request', async () => {
    const created = await api()
      .post(`/api/v1/workspaces/${ws}/credentials`)
      .set('x-test-user', ADMIN)
      .send({ type: 'oauth2', provider: 'generic', label: 'Pasted token', secrets: { accessToken: `pasted-${randomUUID()}`, expiresAt: '2020-01-01T00:00:00Z' } });
    expect(created.status).toBe(201);
    const n = await refreshes();
    await expect(credentials.resolve(ws, created.body.id)).rejects.toBeInstanceOf(CredentialNeedsReauthError);
    expect(await refreshes()).toBe(n);
    expect((await row(created.body.id)).statusMessage).toContain('no refresh token');
  });
});
