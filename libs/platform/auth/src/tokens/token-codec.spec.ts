import { generateToken, hashToken, looksLikeToken, TOKEN_PREFIX } from './token-codec';

describe('bearer tokens', () => {
  it('are prefixed by kind and carry 32 random bytes in base64url', () => {
    const session = generateToken('session');
    const api = generateToken('api');
    expect(session.startsWith(TOKEN_PREFIX.session)).toBe(true);
    expect(api.startsWith(TOKEN_PREFIX.api)).toBe(true);
    expect(Buffer.from(session.slice('hub_s_'.length), 'base64url')).toHaveLength(32);
    expect(Buffer.from(api.slice('hub_pat_'.length), 'base64url')).toHaveLength(32);
    expect(looksLikeToken(session)).toBe(true);
    expect(looksLikeToken(api)).toBe(true);
  });

  it('never repeat', () => {
    const seen = new Set(Array.from({ length: 1000 }, () => generateToken('api')));
    expect(seen.size).toBe(1000);
  });

  it('are stored as SHA-256: 32 bytes, deterministic, different per token', () => {
    const token = generateToken('api');
    expect(hashToken(token)).toHaveLength(32);
    expect(hashToken(token).equals(hashToken(token))).toBe(true);
    expect(hashToken(token).equals(hashToken(generateToken('api')))).toBe(false);
    expect(hashToken('abc').toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it.each(['', 'junk', 'hub_s_short', 'Bearer hub_s_x', `hub_x_${'a'.repeat(43)}`, `hub_pat_${'a'.repeat(42)}!`, `hub_pat_${'a'.repeat(44)}`])(
    'rejects junk before any lookup: %j',
    (value) => {
      expect(looksLikeToken(value)).toBe(false);
    },
  );
});
