import fc from 'fast-check';
import { SEGMENT_TYPES } from './messages';
import { normalizeMessage, type NormalizeResult } from './normalize';

const opts = { receivedAt: new Date('2024-05-01T12:00:00.000Z') };

function assertWellFormed(result: NormalizeResult): void {
  if (result.ok) {
    expect(SEGMENT_TYPES).toContain(result.message.type);
    expect(typeof result.message.messageId).toBe('string');
    expect(JSON.parse(JSON.stringify(result.message))).toEqual(result.message);
  } else {
    expect(result.errors.length).toBeGreaterThan(0);
    for (const error of result.errors) {
      expect(typeof error.path).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
    }
  }
}

const fieldNames = fc.constantFrom(
  'type',
  'userId',
  'user_id',
  'anonymousId',
  'anonymous_id',
  'messageId',
  'message_id',
  'event',
  'groupId',
  'group_id',
  'previousId',
  'previous_id',
  'traits',
  'properties',
  'context',
  'integrations',
  'timestamp',
  'originalTimestamp',
  'sentAt',
  'sent_at',
  'version',
  'name',
  '__proto__',
  'constructor',
  'prototype',
);

const fieldValues = fc.oneof(
  fc.jsonValue(),
  fc.constantFrom(...SEGMENT_TYPES, 'delete', '', '2024-05-01T12:00:00Z', '2024-02-30T00:00:00Z', 'x'.repeat(101)),
  fc.integer(),
  fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
);

/** Objects with random keys, biased towards message fields so the deeper rules get exercised. */
const messageLike = fc.dictionary(fc.oneof(fieldNames, fc.string()), fieldValues, { maxKeys: 12 });

const id = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.integer());
const isoDate = fc
  .date({ noInvalidDate: true, min: new Date('2000-01-01'), max: new Date('2100-01-01') })
  .map((d) => d.toISOString());

/** Mostly valid messages with random extras, so the success path is fuzzed as well. */
const plausible = fc
  .tuple(
    fc.record(
      {
        type: fc.constantFrom(...SEGMENT_TYPES),
        userId: id,
        anonymous_id: id,
        event: fc.string({ minLength: 1 }),
        groupId: id,
        previous_id: id,
        traits: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }),
        properties: fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 8 }),
        timestamp: isoDate,
        originalTimestamp: isoDate,
        sentAt: isoDate,
      },
      { requiredKeys: ['type', 'userId', 'event', 'groupId', 'previous_id'] },
    ),
    messageLike,
  )
  .map(([message, extras]) => ({ ...extras, ...message }));

describe('normalizeMessage property', () => {
  it('never throws and answers either a message or a non-empty error list', () => {
    let accepted = 0;
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), messageLike, plausible), (input) => {
        const result = normalizeMessage(input, opts);
        if (result.ok) accepted++;
        assertWellFormed(result);
        assertWellFormed(normalizeMessage(JSON.parse(JSON.stringify(input ?? null)), opts));
      }),
      { seed: 42, numRuns: 300 },
    );
    // Both outcomes were exercised, not only the error path.
    expect(accepted).toBeGreaterThan(30);
    expect(accepted).toBeLessThan(300);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
