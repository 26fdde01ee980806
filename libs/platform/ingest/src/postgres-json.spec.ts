import { toPostgresJson } from './postgres-json';

describe('toPostgresJson', () => {
  const roundTrip = (value: unknown) => JSON.parse(toPostgresJson(JSON.stringify(value)));

  it('replaces NUL and lone surrogates with U+FFFD, and nothing else', () => {
    expect(roundTrip({ a: 'x\u0000y', b: 'lone \ud800 high', c: 'lone \udc00 low', d: '😀 pair' })).toEqual({
      a: 'x\ufffdy',
      b: 'lone \ufffd high',
      c: 'lone \ufffd low',
      d: '😀 pair',
    });
  });

  it('leaves escaped backslashes followed by "u0000" as data', () => {
    const value = { path: 'C:\\u0000\\ud800', mixed: '\\\u0000' };
    expect(roundTrip(value)).toEqual({ path: 'C:\\u0000\\ud800', mixed: '\\\ufffd' });
  });

  it('replaces in keys too and returns text without escapes untouched', () => {
    expect(roundTrip({ 'k\u0000': 1 })).toEqual({ 'k\ufffd': 1 });
    const plain = JSON.stringify({ a: 'é', b: [1, 2] });
    expect(toPostgresJson(plain)).toBe(plain);
  });
});
