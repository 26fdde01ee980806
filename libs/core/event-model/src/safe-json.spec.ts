import fc from 'fast-check';
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

describe('parseSafeJson fast path (no reviver when no forbidden key can be in the text)', () => {
  const reference = (text: string): unknown =>
    JSON.parse(text, (key, value: unknown) => (['__proto__', 'constructor', 'prototype'].includes(key) ? undefined : value));

  it.each([
    '{"a":1,"b":[1,{"c":"d"}]}',
    '{"__proto__":{"polluted":1},"ok":1}',
    '{"a":{"constructor":{"prototype":{"x":1}}}}',
    // Escapes that spell a forbidden key: JSON.parse reads them as the key itself.
    '{"\\u005f_proto__":{"polluted":1},"ok":1}',
    '{"constr\\u0075ctor":1,"ok":2}',
    '{"prot\\u006ftype":1}',
    '{"a":"\\\\u005f_proto__"}',
  ])('%s gives the same copy as the reviver', (text) => {
    expect(parseSafeJson(text)).toStrictEqual(reference(text));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('matches the reviver on generated JSON with forbidden keys mixed in', () => {
    const key = fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', 'prototype'));
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 0 }),
        fc.array(tie('node'), { maxLength: 3 }),
        fc.dictionary(key, tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    fc.assert(
      fc.property(value, fc.boolean(), (v, escape) => {
        let text = JSON.stringify(v) ?? 'null';
        // Sometimes spell the keys with \u escapes, as a hostile sender may.
        if (escape) text = text.replace(/"(__proto__|constructor|prototype)"/g, (_m, k: string) => `"\\u${k.charCodeAt(0).toString(16).padStart(4, '0')}${k.slice(1)}"`);
        expect(parseSafeJson(text)).toStrictEqual(reference(text));
      }),
      { seed: 20251201, numRuns: 500 },
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
