import { parseCookies } from './oauth.controller';

describe('parseCookies', () => {
  it('keeps only the hub OAuth binding cookies', () => {
    const id = 'a'.repeat(32);
    expect(parseCookies(`other=1; hub_oauth_${id}=nonce-value; hub_oauth_bad=2; __proto__=x`)).toEqual({ [`hub_oauth_${id}`]: 'nonce-value' });
    expect(parseCookies(undefined)).toEqual({});
  });
});
