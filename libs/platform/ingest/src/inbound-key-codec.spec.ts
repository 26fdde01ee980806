import { basicAuthKey, generateInboundKey, hashInboundKey, keyPrefix, keyTag } from './inbound-key-codec';

describe('inbound key codec', () => {
  it('tags keys by name and makes 256-bit random keys', () => {
    expect(keyTag('apiKey')).toBe('ak');
    expect(keyTag('writeKey')).toBe('wk');
    expect(keyTag('sharedSecret')).toBe('ss');
    const a = generateInboundKey('apiKey');
    expect(a).toMatch(/^hub_ak_[A-Za-z0-9_-]{43}$/);
    expect(generateInboundKey('apiKey')).not.toBe(a);
  });

  it('hashes with SHA-256 and shows only the tag and four characters', () => {
    const key = 'hub_wk_abcdEFGHijkl';
    expect(hashInboundKey(key)).toHaveLength(32);
    expect(hashInboundKey(key).equals(hashInboundKey(key))).toBe(true);
    expect(keyPrefix(key)).toBe('hub_wk_abcd');
  });

  it.each([
    [`Basic ${Buffer.from('hub_ak_x:').toString('base64')}`, 'hub_ak_x'],
    [`basic ${Buffer.from('hub_ak_x').toString('base64')}`, 'hub_ak_x'],
    [`Basic ${Buffer.from(':hub_ak_pw').toString('base64')}`, 'hub_ak_pw'],
    [`Basic ${Buffer.from(':').toString('base64')}`, undefined],
    ['Bearer hub_ak_x', undefined],
    ['Basic', undefined],
    ['Basic %%%%', undefined],
    [`Basic ${'A'.repeat(4000)}`, undefined],
    [undefined, undefined],
  ])('reads the key of %s', (header, key) => {
    expect(basicAuthKey(header)).toBe(key);
  });
});
