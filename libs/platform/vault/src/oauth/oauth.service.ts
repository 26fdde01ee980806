import { randomBytes, randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { ApiError } from '@hub/http';
import type { StateStore } from 'passport-oauth2';
import { DataSource } from 'typeorm';
import { CredentialsService } from '../credentials/credentials.service';
import { SecretBox } from '../secret-box';
import { VaultErrorCode } from '../vault.exception';
import { OAUTH_PROVIDERS, type OAuthProvider } from './oauth-providers';
import { bindingCookieName, type FlowRequest, PgStateStore, sha256, STATE_TTL_SECONDS } from './oauth-state.store';
import { createProviderStrategy, type TokenResult } from './oauth-strategy';

export { OAUTH_PROVIDERS };

export interface StartFlow {
  label?: string;
  installationId?: string;
  loginUrl?: string;
}

export interface StartedFlow {
  authorizeUrl: string;
  cookie: { name: string; value: string; maxAgeSeconds: number; path: string };
}

type Outcome =
  | { kind: 'redirect'; url: string }
  | { kind: 'success'; tokens: TokenResult }
  | { kind: 'fail'; reason: string }
  | { kind: 'error'; err: Error & { code?: string; status?: number } };

const forbidden = (message: string, code: string = VaultErrorCode.OAuthStateInvalid) => ApiError.forbidden(message, code);

/**
 * The OAuth 2.0 connect flow: one generic passport-oauth2 strategy built per provider from its
 * data, driven without sessions (the state store is Postgres). Start answers the authorize URL;
 * the callback checks the state, exchanges the code with the PKCE verifier and stores the tokens
 * as an `oauth2` credential.
 */
@Injectable()
export class OAuthService {
  private readonly logger = new Logger('OAuth');

  constructor(
    @Inject(OAUTH_PROVIDERS) private readonly providers: Map<string, OAuthProvider>,
    private readonly dataSource: DataSource,
    private readonly box: SecretBox,
    private readonly credentials: CredentialsService,
  ) {}

  async start(workspaceId: string, userId: string, providerId: string, body: StartFlow): Promise<StartedFlow> {
    const provider = this.provider(providerId);
    let loginUrl: string | null = null;
    if (body.loginUrl !== undefined) {
      if (!provider.loginUrlPattern) {
        throw ApiError.validation([{ path: 'loginUrl', message: `${provider.name} does not take a login URL` }]);
      }
      const origin = URL.canParse(body.loginUrl) ? new URL(body.loginUrl).origin : '';
      if (!provider.loginUrlPattern.test(origin) || origin !== body.loginUrl.replace(/\/+$/, '')) {
        throw ApiError.validation([{ path: 'loginUrl', message: `must be an https origin such as https://test.salesforce.com` }]);
      }
      loginUrl = origin;
    }
    if (body.installationId) {
      const [found] = (await this.dataSource.query(`SELECT 1 FROM installations WHERE id = $1 AND workspace_id = $2`, [
        body.installationId,
        workspaceId,
      ])) as unknown[];
      if (!found) throw ApiError.notFound('Installation', 'INSTALLATION_NOT_FOUND');
    }
    // Expired flows are useless; keep the table small without a scheduler.
    await this.dataSource.query(`DELETE FROM oauth_states WHERE expires_at < now() - interval '1 hour'`);
    const id = randomUUID();
    const bindingNonce = randomBytes(32).toString('base64url');
    const req: FlowRequest = {
      query: {},
      start: { id, workspaceId, userId, bindingNonce, label: body.label ?? null, installationId: body.installationId ?? null, loginUrl },
    };
    const outcome = await this.run(provider, loginUrl, req);
    if (outcome.kind !== 'redirect') throw new Error(`OAuth start did not redirect (${outcome.kind})`);
    return {
      authorizeUrl: outcome.url,
      cookie: {
        name: bindingCookieName(id),
        value: bindingNonce,
        maxAgeSeconds: STATE_TTL_SECONDS,
        // The callback's path, under HUB_PUBLIC_URL's own path when the hub runs below one.
        path: new URL(provider.callbackUrl).pathname.replace(/callback$/, ''),
      },
    };
  }

  /** Returns the stored credential's id. Every bad state, code or verifier is a 403 that stores nothing. */
  async callback(providerId: string, query: Record<string, unknown>, cookies: Record<string, string>): Promise<{ credentialId: string; workspaceId: string }> {
    const provider = this.provider(providerId);
    if (typeof query.error === 'string') throw forbidden(`${provider.name} did not authorize the connection (${query.error.slice(0, 100)})`, VaultErrorCode.OAuthDenied);
    if (typeof query.code !== 'string' || !query.code) throw forbidden('The callback carries no authorization code');
    const req: FlowRequest = { query, callback: { provider: provider.id, cookies } };
    // The login URL is part of the flow's state; peek it (without consuming) to reach the right token endpoint.
    const loginUrl = await this.loginUrlOf(query.state);
    const outcome = await this.run(provider, loginUrl, req);
    if (outcome.kind === 'fail') {
      this.logger.warn(`OAuth callback for ${provider.id} refused: ${outcome.reason}`);
      throw forbidden('The OAuth state is invalid, expired, already used or was started by someone else; start the connection again');
    }
    if (outcome.kind === 'error') {
      const err = outcome.err;
      if (err.name === 'TokenError' || err.name === 'AuthorizationError') {
        this.logger.warn(`OAuth code exchange for ${provider.id} refused: ${err.code ?? err.name}`);
        throw forbidden(`${provider.name} refused the authorization code (${err.code ?? 'error'}); start the connection again`, VaultErrorCode.OAuthCodeRejected);
      }
      this.logger.error(`OAuth code exchange for ${provider.id} failed: ${err.name}`);
      throw ApiError.unavailable(`${provider.name} could not be reached to finish the connection; start it again`, 'OAUTH_PROVIDER_UNAVAILABLE');
    }
    if (outcome.kind !== 'success' || !req.accepted) throw new Error('OAuth callback ended without a result');
    const flow = req.accepted;
    const { tokens } = outcome;
    const metadata: Record<string, string> = {};
    for (const field of provider.keepTokenFields) {
      const value = tokens.params[field];
      if (typeof value === 'string' || typeof value === 'number') metadata[field] = String(value);
    }
    if (flow.loginUrl) metadata.login_url = flow.loginUrl;
    const expiresIn = Number(tokens.params.expires_in);
    const view = await this.credentials.connect(
      flow.workspaceId,
      {
        provider: provider.id,
        label: flow.label ?? provider.name,
        metadata,
        accessToken: tokens.accessToken,
        ...(tokens.refreshToken ? { refreshToken: tokens.refreshToken } : {}),
        ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: new Date(Date.now() + expiresIn * 1000).toISOString() } : {}),
      },
      flow.userId,
      flow.installationId,
    );
    return { credentialId: view.id, workspaceId: flow.workspaceId };
  }

  private provider(id: string): OAuthProvider {
    const provider = this.providers.get(id);
    if (!provider) throw ApiError.notFound('OAuth provider', 'OAUTH_PROVIDER_NOT_FOUND');
    return provider;
  }

  private async loginUrlOf(state: unknown): Promise<string | null> {
    if (typeof state !== 'string' || state.length > 512) return null;
    const [row] = (await this.dataSource.query(`SELECT login_url FROM oauth_states WHERE state_hash = $1`, [sha256(state)])) as {
      login_url: string | null;
    }[];
    return row?.login_url ?? null;
  }

  /** Runs the generic strategy once, as passport would, and reports how it ended. */
  private run(provider: OAuthProvider, loginUrl: string | null, req: FlowRequest): Promise<Outcome> {
    // Typed for express sessions; ours reads the FlowRequest the hub hands it.
    const store = new PgStateStore(this.dataSource, this.box, provider.id) as unknown as StateStore;
    const strategy = createProviderStrategy(provider, loginUrl, store);
    return new Promise<Outcome>((resolve) => {
      const s = strategy as unknown as {
        redirect: (url: string) => void;
        success: (user: TokenResult) => void;
        fail: (challenge?: { message?: string } | string) => void;
        error: (err: Error) => void;
        pass: () => void;
        authenticate: (req: unknown, options: unknown) => void;
      };
      s.redirect = (url) => resolve({ kind: 'redirect', url });
      s.success = (tokens) => resolve({ kind: 'success', tokens });
      s.fail = (challenge) => resolve({ kind: 'fail', reason: typeof challenge === 'string' ? challenge : (challenge?.message ?? 'refused') });
      s.error = (err) => resolve({ kind: 'error', err });
      s.pass = () => resolve({ kind: 'fail', reason: 'nothing to do' });
      s.authenticate(req, {});
    });
  }
}
