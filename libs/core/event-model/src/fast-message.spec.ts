import fc from 'fast-check';
import { admitEvent } from './admit-event';
import { fastPathTypes, fastSegmentMessage } from './fast-message';
import { SEGMENT_TYPES, segmentMessage } from './messages';
import { normalizeAdmitted, normalizeAdmittedWithZod, type NormalizeOptions } from './normalize';
import type { JsonObject } from './safe-json';

const receivedAt = new Date('2024-05-01T12:00:10.000Z');
const opts: NormalizeOptions = { receivedAt, generateId: () => 'generated-id' };

// Dates over the whole range toISOString prints with four-digit years, and just beyond it.
const anyIso = fc
  .date({ noInvalidDate: true, min: new Date('-000010-01-01T00:00:00Z'), max: new Date('+010010-01-01T00:00:00Z') })
  .map((d) => d.toISOString());
const isoForms = fc.oneof(
  anyIso,
  fc.date({ noInvalidDate: true, min: new Date('0000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z') }).map((d) => d.toISOString()),
  fc.constantFrom(
    '2024-05-01T12:00:00Z',
    '2024-05-01T12:00:00.000Z',
    '2024-05-01T12:00:00.000z',
    '2024-05-01t12:00:00.000Z',
    '2024-05-01T12:00:00,123Z',
    '2024-05-01T14:00:00.000+02:00',
    '2024-05-01 12:00:00.123456Z',
    '2024-02-29T00:00:00.000Z',
    '2023-02-29T00:00:00.000Z',
    '0000-02-29T00:00:00.000Z',
    '0099-12-31T23:59:59.999Z',
    '9999-12-31T23:59:59.999Z',
    '0000-01-01T00:00:00.000+01:00',
    '9999-12-31T23:30:00.000-01:00',
    '2024-05-01',
    'not a date',
    '',
  ),
);

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.constantFrom('', ' ', 'x'.repeat(100), 'x'.repeat(101), '😀'.repeat(100), '😀'.repeat(101), 'é'.repeat(101)),
);
const scalar = fc.oneof(text, fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
const json = fc.jsonValue({ maxDepth: 3 });
const objectish = fc.oneof(fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 5 }), json, fc.constant(null));

/** Raw messages as senders write them: valid ones, snake_case, numeric ids, wrong types, odd clocks. */
const rawMessage: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...SEGMENT_TYPES), fc.constantFrom('delete', 'Track', ''), scalar),
      userId: fc.oneof(text, fc.integer(), scalar),
      user_id: fc.oneof(text, fc.integer()),
      anonymousId: fc.oneof(text, fc.integer(), scalar),
      anonymous_id: text,
      messageId: fc.oneof(text, fc.integer(), scalar),
      message_id: text,
      event: fc.oneof(text, scalar),
      groupId: fc.oneof(text, fc.integer(), scalar),
      group_id: text,
      previousId: fc.oneof(text, fc.integer()),
      previous_id: text,
      name: fc.oneof(text, scalar),
      category: fc.oneof(text, scalar),
      version: fc.oneof(fc.integer(), text, json),
      context: objectish,
      integrations: objectish,
      traits: objectish,
      properties: objectish,
      timestamp: fc.oneof(isoForms, scalar),
      originalTimestamp: isoForms,
      original_timestamp: isoForms,
      sentAt: isoForms,
      sent_at: isoForms,
      receivedAt: isoForms,
      writeKey: text,
    },
    { requiredKeys: [] },
  )
  .map((m) => m as JsonObject);

/** Mostly valid messages, so the fast path is exercised on what real traffic looks like. */
const validish: fc.Arbitrary<JsonObject> = fc
  .record(
    {
      type: fc.constantFrom(...SEGMENT_TYPES),
      userId: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.integer()),
      anonymousId: fc.string({ maxLength: 20 }),
      messageId: fc.oneof(fc.uuid(), fc.string({ maxLength: 101 })),
      event: fc.string({ maxLength: 20 }),
      groupId: fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
      previousId: fc.string({ maxLength: 20 }),
      name: fc.string({ maxLength: 20 }),
      category: fc.string({ maxLength: 20 }),
      version: fc.oneof(fc.integer(), fc.string({ maxLength: 4 })),
      context: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 6 }),
      integrations: fc.dictionary(fc.string({ maxLength: 8 }), fc.boolean(), { maxKeys: 3 }),
      traits: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 6 }),
      properties: fc.dictionary(fc.string({ maxLength: 8 }), json, { maxKeys: 6 }),
      timestamp: isoForms,
      originalTimestamp: isoForms,
      sentAt: isoForms,
    },
    { requiredKeys: ['type', 'userId', 'event', 'groupId', 'previousId'] },
  )
  .map((m) => m as JsonObject);

/** Mostly a valid value, sometimes anything JSON. */
const usually = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ arbitrary: valid, weight: 30 }, { arbitrary: json, weight: 1 }, { arbitrary: text, weight: 1 });
const dictionary = fc.dictionary(fc.string({ maxLength: 6 }), json, { maxKeys: 4 });
const id = fc.oneof(fc.uuid(), fc.string({ minLength: 1, maxLength: 12 }), text);

const candidateFields = {
  type: fc.constantFrom(...SEGMENT_TYPES),
  messageId: usually(id),
  userId: usually(id),
  anonymousId: usually(id),
  groupId: usually(id),
  previousId: usually(id),
  event: usually(id),
  name: usually(text),
  category: usually(text),
  version: usually(fc.oneof(fc.integer(), fc.double(), text)),
  context: usually(dictionary),
  integrations: usually(dictionary),
  traits: usually(dictionary),
  properties: usually(dictionary),
  timestamp: usually(anyIso),
  originalTimestamp: usually(anyIso),
  sentAt: usually(anyIso),
  receivedAt: usually(anyIso),
};

/** What `normalizeAdmitted` builds: JSON-pure values under the schema's keys (and others zod strips). */
const candidate = fc.oneof(
  fc.record(candidateFields, { requiredKeys: ['type'] }),
  fc.record(candidateFields, {
    requiredKeys: ['type', 'messageId', 'context', 'integrations', 'traits', 'properties', 'timestamp', 'receivedAt', 'event', 'groupId', 'previousId'],
  }),
);

function admitted(raw: JsonObject): JsonObject | undefined {
  const result = admitEvent(raw);
  return result.ok ? (result.value as JsonObject) : undefined;
}

describe('fastSegmentMessage', () => {
  it('covers every message type (a schema field it does not know would turn it off)', () => {
    expect(fastPathTypes().sort()).toEqual([...SEGMENT_TYPES].sort());
  });

  it('only ever accepts what zod accepts, with the same output', () => {
    let fast = 0;
    fc.assert(
      fc.property(candidate, (c) => {
        const message = fastSegmentMessage(c as Record<string, unknown>);
        const parsed = segmentMessage.safeParse(c);
        if (message === undefined) return;
        fast++;
        expect(parsed.success).toBe(true);
        expect(message).toStrictEqual(parsed.data);
      }),
      { seed: 20251201, numRuns: 3000 },
    );
    expect(fast).toBeGreaterThan(100);
  });

  it('normalizes exactly as zod alone does, on raw messages of every kind', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(rawMessage, validish, validish), (raw) => {
        const value = admitted(raw);
        if (!value) return;
        const expected = normalizeAdmittedWithZod(JSON.parse(JSON.stringify(value)), opts);
        const actual = normalizeAdmitted(JSON.parse(JSON.stringify(value)), opts);
        expect(actual).toStrictEqual(expected);
        if (expected.ok) {
          accepted++;
          expect(JSON.stringify(actual)).toBe(JSON.stringify(expected));
        }
      }),
      { seed: 20251201, numRuns: 4000 },
    );
    expect(accepted).toBeGreaterThan(500);
  });

  it('takes the fast path for ordinary valid messages', () => {
    const value = admitted({
      type: 'track',
      userId: 'u1',
      event: 'Report Viewed',
      messageId: 'm1',
      timestamp: '2024-05-01T12:00:00.000Z',
      context: { ip: '203.0.113.1' },
      properties: { value: 1 },
    }) as JsonObject;
    const result = normalizeAdmitted(value, opts);
    expect(result.ok).toBe(true);
    // The fast path hands over the admitted copy's own objects (zod would copy them).
    expect(result.ok && result.message.context).toBe(value['context']);
  });
});
