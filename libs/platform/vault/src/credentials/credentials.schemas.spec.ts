import { createCredentialBody } from './credentials.schemas';

describe('createCredentialBody', () => {
  it('accepts each type with its own secrets', () => {
    expect(createCredentialBody.safeParse({ type: 'apiKey', label: 'k', secrets: { apiKey: 'x' } }).success).toBe(true);
    expect(createCredentialBody.safeParse({ type: 'basic', label: 'b', secrets: { username: 'u', password: 'p' } }).success).toBe(true);
    const oauth = createCredentialBody.safeParse({
      type: 'oauth2',
      provider: 'salesforce',
      label: 'o',
      metadata: { instance_url: 'https://x.my.salesforce.com' },
      secrets: { accessToken: 'a', refreshToken: 'r', expiresAt: '2030-01-01T00:00:00Z' },
    });
    expect(oauth.success).toBe(true);
  });

  it.each([
    [{ type: 'apiKey', label: 'k', secrets: { apiKey: '' } }],
    [{ type: 'apiKey', label: '   ', secrets: { apiKey: 'x' } }],
    [{ type: 'basic', label: 'b', secrets: { username: 'u' } }],
    [{ type: 'basic', label: 'b', secrets: { username: 'u', password: 'p', apiKey: 'x' } }],
    [{ type: 'oauth2', label: 'o', secrets: { refreshToken: 'r' } }],
    [{ type: 'oauth2', label: 'o', secrets: { accessToken: 'a' }, metadata: { 'bad key': 'v' } }],
    [{ type: 'apiKey', label: 'k', secrets: { apiKey: 'x' }, status: 'active' }],
    [JSON.parse('{"type":"apiKey","label":"k","secrets":{"apiKey":"x"},"__proto__":{"polluted":true}}')],
  ])('rejects %j', (body) => {
    expect(createCredentialBody.safeParse(body).success).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
