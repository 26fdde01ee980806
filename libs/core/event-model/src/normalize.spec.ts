import type { SegmentMessage } from './messages';
import { normalizeMessage, type NormalizeOptions, type NormalizeResult } from './normalize';

const receivedAt = new Date('2024-05-01T12:00:10.000Z');
const opts: NormalizeOptions = { receivedAt, generateId: () => 'generated-id' };

function ok(result: NormalizeResult): SegmentMessage {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result.errors)}`);
  return result.message;
}

function errors(result: NormalizeResult): string[] {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.message)}`);
  return result.errors.map((e) => `${e.path}: ${e.message}`);
}

const normalize = (input: unknown, extra: Partial<NormalizeOptions> = {}) => normalizeMessage(input, { ...opts, ...extra });

const stamped = {
  messageId: 'generated-id',
  context: {},
  integrations: {},
  timestamp: receivedAt.toISOString(),
  receivedAt: receivedAt.toISOString(),
};

describe('normalizeMessage: every type', () => {
  it.each([
    [
      { type: 'identify', userId: 'u1', traits: { email: 'a@b.c' } },
      { type: 'identify', userId: 'u1', traits: { email: 'a@b.c' } },
    ],
    [
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 9.5 } },
      { type: 'track', userId: 'u1', event: 'Order Completed', properties: { revenue: 9.5 } },
    ],
    [
      { type: 'page', anonymousId: 'a1', name: 'Pricing', category: 'Marketing' },
      { type: 'page', anonymousId: 'a1', name: 'Pricing', category: 'Marketing', properties: {} },
    ],
    [{ type: 'screen', anonymousId: 'a1', name: 'Home' }, { type: 'screen', anonymousId: 'a1', name: 'Home', properties: {} }],
    [
      { type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } },
      { type: 'group', userId: 'u1', groupId: 'acme', traits: { name: 'Acme' } },
    ],
    [{ type: 'alias', userId: 'u1', previousId: 'a1' }, { type: 'alias', userId: 'u1', previousId: 'a1' }],
  ])('accepts %p', (input, expected) => {
    expect(ok(normalize(input))).toStrictEqual({ ...stamped, ...expected });
  });

  it.each([
    [{ type: 'identify', traits: {} }, ['userId: userId or anonymousId is required']],
    [{ type: 'track', userId: 'u1' }, ['event: is required']],
    [{ type: 'track', userId: 'u1', event: '' }, ['event: must not be empty']],
    [{ type: 'track', userId: 'u1', event: 42 }, ['event: must be a string']],
    [{ type: 'page', userId: 'u1', name: { x: 1 } }, ['name: must be a string']],
    [{ type: 'screen', userId: 'u1', category: true }, ['category: must be a string']],
    [{ type: 'group', userId: 'u1' }, ['groupId: is required']],
    [{ type: 'group', userId: 'u1', groupId: '' }, ['groupId: is required']],
    [{ type: 'alias', userId: 'u1' }, ['previousId: is required']],
    [{ type: 'alias', previousId: 'a1', userId: true }, ['userId: must be a string', 'userId: userId or anonymousId is required']],
    [{ userId: 'u1' }, ['type: is required']],
    [{ type: 'delete', userId: 'u1' }, ['type: must be one of identify, track, page, screen, group, alias']],
    [{ type: 'Track', userId: 'u1' }, ['type: must be one of identify, track, page, screen, group, alias']],
  ])('rejects %p', (input, expected) => {
    expect(errors(normalize(input))).toEqual(expected);
  });

  it('reports several field errors at once', () => {
    expect(errors(normalize({ type: 'track', properties: [], context: 'x' }))).toEqual([
      'context: must be an object',
      'event: is required',
      'properties: must be an object',
      'userId: userId or anonymousId is required',
    ]);
  });

  it.each(['context', 'integrations', 'traits', 'properties'])('requires %s to be an object when present', (field) => {
    const type = field === 'traits' ? 'identify' : 'track';
    for (const bad of [[], 'x', 3, true]) {
      expect(errors(normalize({ type, userId: 'u', event: 'e', [field]: bad }))).toEqual([`${field}: must be an object`]);
    }
    expect(ok(normalize({ type, userId: 'u', event: 'e', [field]: null }))).toHaveProperty(field, {});
  });

  it.each([null, undefined, 'track', 42, [], [{ type: 'track' }]])('rejects %p as a whole', (input) => {
    expect(errors(normalize(input))).toEqual([': must be a JSON object']);
  });
});

describe('normalizeMessage: field casing and coercion', () => {
  it('accepts snake_case and answers camelCase only', () => {
    const message = ok(
      normalize({
        type: 'alias',
        user_id: 'u1',
        anonymous_id: 'a1',
        message_id: 'm1',
        previous_id: 'p1',
        original_timestamp: '2024-05-01T12:00:00Z',
        sent_at: '2024-05-01T12:00:05Z',
        received_at: '1999-01-01T00:00:00Z',
      }),
    );
    expect(message).toEqual({
      type: 'alias',
      userId: 'u1',
      anonymousId: 'a1',
      messageId: 'm1',
      previousId: 'p1',
      context: {},
      integrations: {},
      originalTimestamp: '2024-05-01T12:00:00.000Z',
      sentAt: '2024-05-01T12:00:05.000Z',
      timestamp: '2024-05-01T12:00:05.000Z',
      receivedAt: receivedAt.toISOString(),
    });
    expect(ok(normalize({ type: 'group', user_id: 'u1', group_id: 'g1' }))).toMatchObject({ groupId: 'g1' });
  });

  it('lets camelCase win when both spellings are present, and treats null as absent', () => {
    expect(ok(normalize({ type: 'identify', userId: 'camel', user_id: 'snake' }))).toMatchObject({ userId: 'camel' });
    expect(ok(normalize({ type: 'identify', userId: null, user_id: 'snake' }))).toMatchObject({ userId: 'snake' });
  });

  it('names the key as sent in errors', () => {
    expect(errors(normalize({ type: 'identify', anonymous_id: ['a'] }))).toEqual([
      'anonymous_id: must be a string',
      'userId: userId or anonymousId is required',
    ]);
    expect(errors(normalize({ type: 'identify', userId: 'u', sent_at: 'soon' }))).toEqual([
      'sent_at: must be an ISO-8601 date-time string',
    ]);
  });

  it('coerces numeric ids to strings as Segment does', () => {
    const message = ok(normalize({ type: 'group', userId: 12345, groupId: 7, messageId: 99 }));
    expect(message).toMatchObject({ userId: '12345', groupId: '7', messageId: '99' });
    expect(ok(normalize({ type: 'alias', anonymousId: 0, previousId: 1.5 }))).toMatchObject({
      anonymousId: '0',
      previousId: '1.5',
    });
  });

  it('treats an empty id as no id', () => {
    expect(ok(normalize({ type: 'identify', userId: '', anonymousId: 'a' }))).not.toHaveProperty('userId');
    expect(errors(normalize({ type: 'identify', userId: '', anonymousId: '' }))).toEqual([
      'userId: userId or anonymousId is required',
    ]);
  });

  it('uses defaultType when the message has no type, and the sent type otherwise', () => {
    expect(ok(normalize({ userId: 'u', event: 'E' }, { defaultType: 'track' }))).toMatchObject({ type: 'track' });
    expect(ok(normalize({ type: 'identify', userId: 'u' }, { defaultType: 'track' }))).toMatchObject({ type: 'identify' });
  });

  it('drops unknown top-level fields, including a body writeKey', () => {
    const message = ok(normalize({ type: 'track', userId: 'u', event: 'E', writeKey: 'secret', channel: 'server', traits: {} }));
    expect(message).not.toHaveProperty('writeKey');
    expect(message).not.toHaveProperty('channel');
    expect(message).not.toHaveProperty('traits');
  });

  it('keeps version, context and integrations as sent', () => {
    const input = {
      type: 'track',
      userId: 'u',
      event: 'E',
      version: 2,
      context: { groupId: 'acme', library: { name: 'analytics-node', version: '3.1.0' } },
      integrations: { All: false, Mixpanel: true },
    };
    expect(ok(normalize(input))).toMatchObject(input);
    expect(errors(normalize({ ...input, version: [] }))).toEqual(['version: must be a number or a string']);
  });
});

describe('normalizeMessage: messageId', () => {
  const track = { type: 'track', userId: 'u', event: 'E' };

  it('keeps 100 characters and rejects 101', () => {
    expect(ok(normalize({ ...track, messageId: 'x'.repeat(100) })).messageId).toHaveLength(100);
    expect(errors(normalize({ ...track, messageId: 'x'.repeat(101) }))).toEqual([
      'messageId: must be at most 100 characters',
    ]);
    expect(errors(normalize({ ...track, message_id: 'x'.repeat(101) }))).toEqual([
      'message_id: must be at most 100 characters',
    ]);
  });

  it('counts characters, not UTF-16 units', () => {
    expect(ok(normalize({ ...track, messageId: '😀'.repeat(100) })).messageId).toBe('😀'.repeat(100));
    expect(normalize({ ...track, messageId: '😀'.repeat(101) }).ok).toBe(false);
  });

  it('generates one when absent, null or empty, with randomUUID by default', () => {
    expect(ok(normalize(track)).messageId).toBe('generated-id');
    expect(ok(normalize({ ...track, messageId: null })).messageId).toBe('generated-id');
    expect(ok(normalize({ ...track, messageId: '' })).messageId).toBe('generated-id');
    const first = ok(normalizeMessage(track, { receivedAt })).messageId;
    const second = ok(normalizeMessage(track, { receivedAt })).messageId;
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first).not.toBe(second);
  });

  it('rejects a messageId of the wrong type', () => {
    expect(errors(normalize({ ...track, messageId: { id: 1 } }))).toEqual(['messageId: must be a string']);
  });
});

describe('normalizeMessage: the timestamp rule', () => {
  const track = { type: 'track', userId: 'u', event: 'E' };

  it('removes the sender clock skew when sentAt and originalTimestamp are present', () => {
    // The device clock runs 1 h fast; the event happened 30 s before it was sent.
    const message = ok(
      normalize({
        ...track,
        originalTimestamp: '2024-05-01T13:00:00.000Z',
        sentAt: '2024-05-01T13:00:30.000Z',
        timestamp: '2030-01-01T00:00:00.000Z',
      }),
    );
    expect(message.timestamp).toBe('2024-05-01T11:59:40.000Z');
    expect(message.originalTimestamp).toBe('2024-05-01T13:00:00.000Z');
    expect(message.sentAt).toBe('2024-05-01T13:00:30.000Z');
    expect(message.receivedAt).toBe('2024-05-01T12:00:10.000Z');
  });

  it('handles offsets in the sender clock fields', () => {
    const message = ok(
      normalize({ ...track, originalTimestamp: '2024-05-01T14:00:00+02:00', sentAt: '2024-05-01T12:00:01Z' }),
    );
    expect(message.timestamp).toBe('2024-05-01T12:00:09.000Z');
  });

  it('uses timestamp as sent when the clock fields are incomplete', () => {
    const sent = '2023-01-02T03:04:05.678Z';
    expect(ok(normalize({ ...track, timestamp: sent })).timestamp).toBe(sent);
    expect(ok(normalize({ ...track, timestamp: sent, sentAt: '2024-05-01T12:00:00Z' })).timestamp).toBe(sent);
    expect(ok(normalize({ ...track, timestamp: '2023-01-02T04:04:05.678+01:00' })).timestamp).toBe(sent);
  });

  it('uses receivedAt when nothing was sent', () => {
    const message = ok(normalize(track));
    expect(message.timestamp).toBe(receivedAt.toISOString());
    expect(message).not.toHaveProperty('originalTimestamp');
    expect(message).not.toHaveProperty('sentAt');
  });

  it('always sets receivedAt from the options, ignoring what was sent', () => {
    expect(ok(normalize({ ...track, receivedAt: '2000-01-01T00:00:00Z' })).receivedAt).toBe(receivedAt.toISOString());
  });

  it.each([
    ['timestamp', 'tomorrow'],
    ['timestamp', 1714566645000],
    ['originalTimestamp', '2024-02-30T00:00:00Z'],
    ['sentAt', '2024-05-01T25:00:00Z'],
    ['original_timestamp', ''],
  ])('rejects an invalid %s %p', (field, value) => {
    expect(errors(normalize({ ...track, [field]: value }))).toEqual([`${field}: must be an ISO-8601 date-time string`]);
  });

  it('rejects a derived timestamp outside four-digit years', () => {
    expect(
      errors(normalize({ ...track, originalTimestamp: '0001-01-01T00:00:00Z', sentAt: '9999-01-01T00:00:00Z' })),
    ).toEqual(['timestamp: the derived timestamp falls outside the years 0000-9999']);
  });

  it('reports an invalid hub clock instead of throwing', () => {
    expect(errors(normalizeMessage(track, { receivedAt: new Date('nope') }))).toEqual([
      'receivedAt: the hub clock gave an invalid date',
    ]);
  });
});

describe('normalizeMessage: limits and hostile input', () => {
  const track = { type: 'track', userId: 'u', event: 'E' };
  const sized = (bytes: number) => {
    const probe = { ...track, properties: { pad: '' } };
    return { ...track, properties: { pad: 'x'.repeat(bytes - Buffer.byteLength(JSON.stringify(probe))) } };
  };

  it('accepts a 31 KB event and rejects a 33 KB one with the size and the limit', () => {
    expect(normalize(sized(31 * 1024)).ok).toBe(true);
    expect(errors(normalize(sized(33 * 1024)))).toEqual([
      ': event is 33792 bytes (33.0 KB), over the limit of 32768 bytes (32.0 KB)',
    ]);
  });

  it('measures multi-byte characters in UTF-8', () => {
    const emoji = { ...track, properties: { pad: '😀'.repeat(8 * 1024) } }; // 4 bytes each
    expect(errors(normalize(emoji))[0]).toMatch(/over the limit of 32768 bytes/);
  });

  it('rejects 100,000 levels of nesting without overflowing the stack', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const result = normalize({ ...track, properties: deep });
    expect(errors(result)[0]).toMatch(/^properties\.a\.a.*: nested deeper than the limit of 32 levels$/);
  });

  it('rejects huge key counts', () => {
    const traits: Record<string, number> = {};
    for (let i = 0; i < 50_000; i++) traits[`t${i}`] = i;
    expect(errors(normalize({ type: 'identify', userId: 'u', traits }))).toEqual([
      'traits: has 50000 entries, over the limit of 1000',
    ]);
  });

  it('never lets __proto__ in JSON pollute prototypes, and drops the forbidden keys', () => {
    const input: unknown = JSON.parse(
      '{"type":"identify","userId":"u","traits":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}},"plan":"pro"},"context":{"prototype":1,"__proto__":{"polluted":3}},"__proto__":{"polluted":4}}',
    );
    const message = ok(normalize(input));
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(message).toMatchObject({ traits: { plan: 'pro' }, context: {} });
    if (message.type !== 'identify') throw new Error('expected identify');
    expect(Object.keys(message.traits)).toEqual(['plan']);
    expect(Object.getPrototypeOf(message.traits)).toBe(Object.prototype);
    expect(Object.keys(message.context)).toEqual([]);
    // A naive merge of the output is now harmless too.
    const target: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(message.traits)) target[k] = v;
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('copies the input, so later changes to either side do not leak', () => {
    const input = { type: 'identify', userId: 'u', traits: { nested: { a: 1 } } };
    const message = ok(normalize(input));
    input.traits.nested.a = 2;
    expect(message).toMatchObject({ traits: { nested: { a: 1 } } });
  });

  it('reports what JSON cannot encode, and throwing getters, instead of throwing', () => {
    expect(errors(normalize({ ...track, properties: { n: BigInt(1) } }))[0]).toMatch(/^: cannot be encoded as JSON/);
    const hostile = { ...track };
    Object.defineProperty(hostile, 'properties', { enumerable: true, get: () => { throw new Error('boom'); } });
    expect(errors(normalize(hostile))).toEqual([': could not be read: boom']);
  });

  it('keeps unicode intact', () => {
    const message = ok(
      normalize({ type: 'track', userId: 'ユーザー😀', event: 'Заказ оформлен', properties: { 'clé': 'värde', rtl: 'مرحبا' } }),
    );
    expect(message).toMatchObject({
      userId: 'ユーザー😀',
      event: 'Заказ оформлен',
      properties: { 'clé': 'värde', rtl: 'مرحبا' },
    });
  });
});
