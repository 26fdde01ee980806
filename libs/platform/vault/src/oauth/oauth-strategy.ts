import { Strategy as OAuth2Strategy, type StateStore } from 'passport-oauth2';
import { type OAuthProvider, providerUrls } from './oauth-providers';

/** What the strategy's verify callback hands back: the token response, nothing else. */
export interface TokenResult {
  accessToken: string;
  refreshToken: string | undefined;
  params: Record<string, unknown>;
}

/**
 * The one generic passport-oauth2 strategy, built from a provider's data for one connection (a
 * Salesforce login URL swaps the origin of both endpoints). The connect flow and the token
 * refresh share it, so both talk to the token endpoint the same way (form-encoded, client id and
 * secret in the body).
 */
export function createProviderStrategy(provider: OAuthProvider, loginUrl: string | null, store?: StateStore): OAuth2Strategy {
  const urls = providerUrls(provider, loginUrl);
  const strategy = new OAuth2Strategy(
    {
      authorizationURL: urls.authorizationUrl,
      tokenURL: urls.tokenUrl,
      clientID: provider.clientId,
      clientSecret: provider.clientSecret,
      callbackURL: provider.callbackUrl,
      scope: provider.scopes,
      state: provider.state,
      // passport-oauth2's `true` means S256 (its only other value is the insecure `plain`).
      pkce: provider.pkce === 'S256',
      ...(store ? { store } : {}),
      skipUserProfile: true,
      passReqToCallback: false,
    },
    (accessToken: string, refreshToken: string | undefined, params: Record<string, unknown>, _profile: unknown, done: (err: Error | null, user?: TokenResult) => void) =>
      done(null, { accessToken, refreshToken, params }),
  );
  strategy.authorizationParams = () => ({ ...provider.authorizeParams });
  return strategy;
}

/** A token endpoint's refusal: the HTTP status and the OAuth `error` code when it sent one. */
export class TokenEndpointError extends Error {
  constructor(
    readonly status: number | null,
    readonly oauthError: string | null,
  ) {
    super(status === null ? 'the token endpoint could not be reached' : `the token endpoint answered ${status}${oauthError ? ` (${oauthError})` : ''}`);
    this.name = 'TokenEndpointError';
  }

  /** RFC 6749 5.2: the grant (here the refresh token) is invalid, expired or revoked. Only an admin can fix it. */
  get isInvalidGrant(): boolean {
    return this.oauthError === 'invalid_grant';
  }
}

interface NodeOAuth2 {
  getOAuthAccessToken(
    code: string,
    params: Record<string, string>,
    callback: (err: { statusCode?: number; data?: unknown } | Error | null, accessToken?: string, refreshToken?: string, results?: Record<string, unknown>) => void,
  ): void;
}

/**
 * The refresh_token grant through passport-oauth2's own client (as passport-oauth2-refresh does).
 * Rejects with `TokenEndpointError`; the message never carries the response body, which may echo
 * the token.
 */
export function requestTokenRefresh(strategy: OAuth2Strategy, refreshToken: string, timeoutMs: number): Promise<TokenResult> {
  const client = (strategy as unknown as { _oauth2: NodeOAuth2 })._oauth2;
  return new Promise<TokenResult>((resolve, reject) => {
    // node-oauth has no timeout of its own; an endpoint that never answers must not hold the lock forever.
    const timer = setTimeout(() => reject(new TokenEndpointError(null, null)), timeoutMs);
    client.getOAuthAccessToken(refreshToken, { grant_type: 'refresh_token' }, (err, accessToken, newRefreshToken, results) => {
      clearTimeout(timer);
      if (err) {
        const status = 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : null;
        reject(new TokenEndpointError(status, status === null ? null : oauthErrorCode((err as { data?: unknown }).data)));
        return;
      }
      if (typeof accessToken !== 'string' || !accessToken) {
        reject(new TokenEndpointError(200, 'no_access_token'));
        return;
      }
      resolve({ accessToken, refreshToken: newRefreshToken || undefined, params: results ?? {} });
    });
  });
}

function oauthErrorCode(data: unknown): string | null {
  if (typeof data !== 'string') return null;
  try {
    const parsed = JSON.parse(data) as { error?: unknown };
    return typeof parsed.error === 'string' && /^[a-z_]{1,64}$/.test(parsed.error) ? parsed.error : null;
  } catch {
    const match = /(?:^|&)error=([a-z_]{1,64})(?:&|$)/.exec(data);
    return match ? match[1] : null;
  }
}
