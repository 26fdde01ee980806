import {
  checkEventSize,
  checkShape,
  eventByteSize,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  MAX_DEPTH,
  MAX_EVENT_BYTES,
  MAX_KEYS,
  MAX_NODES,
} from './limits';

/** `{"a":{"a":...}}` nested `depth` times, built without recursion. */
function deepObject(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

function deepArray(depth: number): unknown[] {
  let value: unknown[] = [];
  for (let i = 1; i < depth; i++) value = [value];
  return value;
}

describe('limits', () => {
  it('matches the Segment Tracking API limits', () => {
    expect(MAX_EVENT_BYTES).toBe(32768);
    expect(MAX_BATCH_BYTES).toBe(512000);
    expect(MAX_BATCH_EVENTS).toBe(2500);
  });
});

describe('checkShape', () => {
  it('accepts ordinary messages and scalars', () => {
    expect(checkShape({ type: 'track', properties: { a: [1, { b: 'c' }] } })).toBeUndefined();
    expect(checkShape('text')).toBeUndefined();
    expect(checkShape(null)).toBeUndefined();
  });

  it('accepts nesting up to MAX_DEPTH and rejects one level more, naming the path', () => {
    expect(checkShape(deepObject(MAX_DEPTH))).toBeUndefined();
    const error = checkShape(deepObject(MAX_DEPTH + 1));
    expect(error?.message).toBe(`nested deeper than the limit of ${MAX_DEPTH} levels`);
    expect(error?.path).toBe(Array(MAX_DEPTH).fill('a').join('.'));
  });

  it('rejects 100,000 levels of objects or arrays without overflowing the stack', () => {
    expect(checkShape(deepObject(100_000))?.message).toMatch(/nested deeper/);
    expect(checkShape(deepArray(100_000))?.message).toMatch(/nested deeper/);
  });

  it('treats a cycle as too deep instead of looping', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(checkShape(cyclic)?.message).toMatch(/nested deeper/);
  });

  it('rejects objects and arrays with more than MAX_KEYS entries', () => {
    const wide: Record<string, number> = {};
    for (let i = 0; i < 200_000; i++) wide[`k${i}`] = i;
    expect(checkShape({ traits: wide })).toEqual({
      path: 'traits',
      message: `has 200000 entries, over the limit of ${MAX_KEYS}`,
    });
    expect(checkShape({ properties: { list: new Array(MAX_KEYS + 1).fill(0) } })?.path).toBe('properties.list');
    expect(checkShape({ list: new Array(MAX_KEYS).fill(0) })).toBeUndefined();
  });

  it('rejects more than MAX_NODES values in total even when each object is small', () => {
    const rows = Array.from({ length: 20 }, () => new Array(MAX_KEYS).fill(0));
    expect(checkShape({ rows })?.message).toBe(`the message has more than ${MAX_NODES} values`);
  });

  it('takes custom limits', () => {
    expect(checkShape({ a: { b: {} } }, { maxDepth: 2, maxKeys: 10, maxNodes: 100 })?.path).toBe('a.b');
  });
});

describe('eventByteSize and checkEventSize', () => {
  it('measures UTF-8 bytes of the JSON encoding', () => {
    expect(eventByteSize({ a: 'é' })).toBe('{"a":"é"}'.length + 1);
    expect(eventByteSize({ a: '😀' })).toBe(12);
  });

  it('accepts 31 KB and rejects 33 KB, naming the size and the limit', () => {
    const padding = (bytes: number) => ({ p: 'x'.repeat(bytes - eventByteSize({ p: '' })) });
    expect(eventByteSize(padding(31 * 1024))).toBe(31 * 1024);
    expect(checkEventSize(padding(31 * 1024))).toBeUndefined();
    expect(checkEventSize(padding(MAX_EVENT_BYTES))).toBeUndefined();
    expect(checkEventSize(padding(33 * 1024))).toEqual({
      path: '',
      message: 'event is 33792 bytes (33.0 KB), over the limit of 32768 bytes (32.0 KB)',
    });
  });

  it('reports values JSON cannot encode instead of throwing', () => {
    expect(checkEventSize({ n: BigInt(1) })?.message).toMatch(/cannot be encoded as JSON/);
  });
});
