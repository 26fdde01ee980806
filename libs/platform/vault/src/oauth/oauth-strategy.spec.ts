import type { Strategy } from 'passport-oauth2';
import { loadOAuthProviders, providerUrls } from './oauth-providers';
import { requestTokenRefresh, TokenEndpointError } from './oauth-strategy';

type Callback = (err: unknown, accessToken?: string, refreshToken?: string, results?: Record<string, unknown>) => void;
/** A strategy whose passport-oauth2 client answers what the test says, without a network. */
const answering = (answer: (cb: Callback, params: Record<string, string>) => void) =>
  ({ _oauth2: { getOAuthAccessToken: (_token: string, params: Record<string, string>, cb: Callback) => answer(cb, params) } }) as unknown as Strategy;

describe('requestTokenRefresh', () => {
  it('sends the refresh_token grant and keeps the rotated refresh token and the response fields', async () => {
    let grant: string | undefined;
    const result = await requestTokenRefresh(
      answering((cb, params) => {
        grant = params.grant_type;
        cb(null, 'new-access', 'new-refresh', { instance_url: 'https://na1.example.com', token_type: 'Bearer' });
      }),
      'old-refresh',
      1000,
    );
    expect(grant).toBe('refresh_token');
    expect(result).toEqual({ accessToken: 'new-access', refreshToken: 'new-refresh', params: { instance_url: 'https://na1.example.com', token_type: 'Bearer' } });
  });

  it('classifies refusals by their OAuth error code, never echoing the body', async () => {
    const refused = await requestTokenRefresh(
      answering((cb) => cb({ statusCode: 400, data: '{"error":"invalid_grant","error_description":"token canary-abc revoked"}' })),
      'r',
      1000,
    ).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenEndpointError);
    expect(refused).toMatchObject({ status: 400, oauthError: 'invalid_grant', isInvalidGrant: true });
    expect((refused as Error).message).not.toContain('canary');

    const form = await requestTokenRefresh(answering((cb) => cb({ statusCode: 401, data: 'error=invalid_client&x=1' })), 'r', 1000).catch((e: unknown) => e);
    expect(form).toMatchObject({ status: 401, oauthError: 'invalid_client', isInvalidGrant: false });
    const down = await requestTokenRefresh(answering((cb) => cb({ statusCode: 503, data: '<html>' })), 'r', 1000).catch((e: unknown) => e);
    expect(down).toMatchObject({ status: 503, oauthError: null });
    const empty = await requestTokenRefresh(answering((cb) => cb(null, '', undefined, {})), 'r', 1000).catch((e: unknown) => e);
    expect(empty).toMatchObject({ status: 200, oauthError: 'no_access_token' });
  });

  it('gives up on an endpoint that never answers', async () => {
    const started = Date.now();
    const err = await requestTokenRefresh(answering(() => undefined), 'r', 50).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: null });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('providerUrls', () => {
  const providers = loadOAuthProviders({ HUB_OAUTH_SALESFORCE_CLIENT_ID: 'id', HUB_OAUTH_SALESFORCE_CLIENT_SECRET: 's' }, 'https://hub.example.com');
  const salesforce = providers.get('salesforce');
  if (!salesforce) throw new Error('salesforce not configured');

  it('uses a sandbox or My Domain login URL for both endpoints, and ignores one that does not match', () => {
    expect(providerUrls(salesforce, 'https://acme.my.salesforce.com').tokenUrl).toBe('https://acme.my.salesforce.com/services/oauth2/token');
    expect(providerUrls(salesforce, null).tokenUrl).toBe('https://login.salesforce.com/services/oauth2/token');
    expect(providerUrls(salesforce, 'https://evil.example.com').tokenUrl).toBe('https://login.salesforce.com/services/oauth2/token');
  });
});
