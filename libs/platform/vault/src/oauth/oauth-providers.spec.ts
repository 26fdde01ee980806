import { assertStateAndPkce, loadOAuthProviders, OAuthConfigError } from './oauth-providers';

const PUBLIC = 'https://hub.example.com/';

describe('loadOAuthProviders', () => {
  it('offers only providers with a client id, with callback URLs from HUB_PUBLIC_URL, state and PKCE S256 on', () => {
    expect(loadOAuthProviders({}, PUBLIC).size).toBe(0);
    const providers = loadOAuthProviders({ HUB_OAUTH_SALESFORCE_CLIENT_ID: 'id', HUB_OAUTH_SALESFORCE_CLIENT_SECRET: 'secret' }, PUBLIC);
    expect([...providers.keys()]).toEqual(['salesforce']);
    const sf = providers.get('salesforce');
    expect(sf).toMatchObject({
      callbackUrl: 'https://hub.example.com/oauth/salesforce/callback',
      state: true,
      pkce: 'S256',
      scopes: ['api', 'refresh_token'],
      keepTokenFields: expect.arrayContaining(['instance_url']),
    });
    expect(sf?.loginUrlPattern?.test('https://acme.my.salesforce.com')).toBe(true);
    expect(sf?.loginUrlPattern?.test('https://salesforce.com.evil.example')).toBe(false);
  });

  it('builds the generic provider from env', () => {
    const generic = loadOAuthProviders(
      {
        HUB_OAUTH_GENERIC_CLIENT_ID: 'id',
        HUB_OAUTH_GENERIC_CLIENT_SECRET: 'secret',
        HUB_OAUTH_GENERIC_AUTHORIZE_URL: 'https://idp.example.com/authorize',
        HUB_OAUTH_GENERIC_TOKEN_URL: 'https://idp.example.com/token',
        HUB_OAUTH_GENERIC_SCOPES: 'read write, offline_access',
        HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS: 'prompt=consent&access_type=offline',
        HUB_OAUTH_GENERIC_KEEP_FIELDS: 'instance_url, team_id',
      },
      PUBLIC,
    ).get('generic');
    expect(generic).toMatchObject({
      scopes: ['read', 'write', 'offline_access'],
      authorizeParams: { prompt: 'consent', access_type: 'offline' },
      keepTokenFields: ['instance_url', 'team_id'],
    });
  });

  it('stops the boot naming each bad variable, never its value', () => {
    let error: unknown;
    try {
      loadOAuthProviders(
        { HUB_OAUTH_SALESFORCE_CLIENT_ID: 'id', HUB_OAUTH_GENERIC_CLIENT_ID: 'id', HUB_OAUTH_GENERIC_CLIENT_SECRET: 's3cr3t', HUB_OAUTH_GENERIC_TOKEN_URL: 'ftp://x' },
        PUBLIC,
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(OAuthConfigError);
    const message = (error as Error).message;
    expect(message).toContain('HUB_OAUTH_SALESFORCE_CLIENT_SECRET');
    expect(message).toContain('HUB_OAUTH_GENERIC_AUTHORIZE_URL');
    expect(message).toContain('HUB_OAUTH_GENERIC_TOKEN_URL');
    expect(message).not.toContain('s3cr3t');
  });

  it('refuses a provider with state or PKCE off', () => {
    expect(() => assertStateAndPkce([{ id: 'x', state: false as unknown as true, pkce: 'S256' }])).toThrow(/state and PKCE/);
    expect(() => assertStateAndPkce([{ id: 'x', state: true, pkce: 'plain' as unknown as 'S256' }])).toThrow(/state and PKCE/);
  });
});
