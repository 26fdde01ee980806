import { isPlainObject, parseSafeJson } from './safe-json';

describe('parseSafeJson', () => {
  it('drops __proto__, constructor and prototype at every level and pollutes nothing', () => {
    const text = '{"a":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"ok":1},"prototype":3}';
    const copy = parseSafeJson(text) as Record<string, Record<string, unknown>>;
    expect(copy).toEqual({ a: { ok: 1 } });
    expect(Object.keys(copy['a'])).toEqual(['ok']);
    expect(Object.getPrototypeOf(copy['a'])).toBe(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('keeps the forbidden names as values and inside arrays', () => {
    expect(parseSafeJson('{"k":["__proto__","constructor"],"v":"prototype"}')).toEqual({
      k: ['__proto__', 'constructor'],
      v: 'prototype',
    });
  });
});

describe('isPlainObject', () => {
  it.each([
    [{}, true],
    [Object.create(null), true],
    [JSON.parse('{"a":1}'), true],
    [[], false],
    [null, false],
    ['x', false],
    [new Date(), false],
    [new Map(), false],
  ])('%p -> %p', (value, expected) => {
    expect(isPlainObject(value)).toBe(expected);
  });
});
