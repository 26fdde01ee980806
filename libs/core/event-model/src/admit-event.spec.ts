import fc from 'fast-check';
import { admitEvent, admitEventShared } from './admit-event';
import { normalizeBatch } from './batch';
import { checkShape, checkShapeAndPurity, type ShapeLimits } from './limits';
import { SEGMENT_TYPES } from './messages';
import { mayHoldForbiddenKey } from './safe-json';

const small: ShapeLimits = { maxDepth: 4, maxKeys: 5, maxNodes: 30 };

/** JSON-ish values with the odd things a connector may hand over. */
const odd = fc.constantFrom<unknown>(undefined, Number.NaN, Infinity, -0, () => 1, Symbol('s'), new Date(0), new Map(), Object.create(null), new Array(2).fill(1, 1));
const value = fc.letrec((tie) => ({
  node: fc.oneof(
    { depthSize: 'small' },
    fc.jsonValue({ maxDepth: 0 }),
    odd,
    fc.array(tie('node'), { maxLength: 6 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('__proto__', 'constructor', 'toJSON', 'prototype')), tie('node'), { maxKeys: 6 }),
  ),
})).node;

describe('checkShapeAndPurity', () => {
  it('gives exactly checkShape’s error, and calls pure only what JSON round-trips unchanged', () => {
    fc.assert(
      fc.property(value, fc.boolean(), (v, tight) => {
        const limits = tight ? small : undefined;
        const result = checkShapeAndPurity(v, limits);
        expect(result.error).toEqual(checkShape(v, limits));
        const text = JSON.stringify(v);
        if (result.pure && !result.error && text !== undefined && !mayHoldForbiddenKey(text)) {
          expect(JSON.parse(text)).toStrictEqual(v);
        }
      }),
      { seed: 20251201, numRuns: 3000 },
    );
  });

  it('walks 100,000 levels without overflowing, with checkShape’s path', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(checkShapeAndPurity(deep)).toEqual({ error: checkShape(deep), pure: false });
  });
});

describe('admitEventShared', () => {
  it('admits what admitEvent admits, with an equal value, sharing only a pure input', () => {
    fc.assert(
      fc.property(value, (v) => {
        const copy = admitEvent(v);
        const shared = admitEventShared(v);
        expect(shared).toStrictEqual(copy);
        if (shared.ok && Object.is(shared.value, v)) expect(checkShapeAndPurity(v).pure).toBe(true);
      }),
      { seed: 20251201, numRuns: 3000 },
    );
  });

  it('copies an input whose JSON holds a forbidden key, so the key is dropped', () => {
    const input = JSON.parse('{"type":"track","properties":{"__proto__":{"polluted":1},"ok":1}}');
    const result = admitEventShared(input);
    expect(result.ok && result.value).not.toBe(input);
    expect(result.ok && result.value).toEqual({ type: 'track', properties: { ok: 1 } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});

describe('normalizeBatch with shareInput', () => {
  const receivedAt = new Date('2024-05-01T12:00:00.000Z');
  const id = fc.oneof(fc.string({ minLength: 1, maxLength: 12 }), fc.integer());
  const dict = fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom('__proto__', 'constructor')), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
  const event = fc.oneof(
    fc.record(
      {
        type: fc.constantFrom(...SEGMENT_TYPES),
        userId: id,
        messageId: id,
        event: fc.string({ maxLength: 10 }),
        groupId: id,
        previousId: id,
        context: fc.oneof(dict, fc.constant(null), fc.constant('x')),
        integrations: dict,
        properties: dict,
        traits: dict,
        timestamp: fc.date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') }).map((d) => d.toISOString()),
      },
      { requiredKeys: ['type'] },
    ),
    value,
  );
  const body = fc.record(
    { batch: fc.array(event, { maxLength: 8 }), context: fc.oneof(dict, fc.constant(undefined)), integrations: fc.oneof(dict, fc.constant(undefined)) },
    { requiredKeys: ['batch'] },
  );

  it('answers what the copying path answers and never changes the input', () => {
    fc.assert(
      fc.property(body, (b) => {
        const text = JSON.stringify(b);
        const parsed = JSON.parse(text);
        let n = 0;
        const generateId = () => `gen-${n++}`;
        const copied = normalizeBatch(JSON.parse(text), { receivedAt, generateId });
        n = 0;
        const shared = normalizeBatch(parsed, { receivedAt, generateId, shareInput: true });
        expect(shared).toStrictEqual(copied);
        expect(JSON.stringify(parsed)).toBe(text);
      }),
      { seed: 20251201, numRuns: 1500 },
    );
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
