import { BatchError } from '@hub/event-model';
import { normalizeEvents } from './normalize-events';

const receivedAt = new Date('2025-01-01T00:00:00.000Z');
const track = (i: number, pad = 0) => ({ type: 'track', userId: 'u', event: 'E', messageId: `m${i}`, properties: { pad: 'x'.repeat(pad) } });

describe('normalizeEvents', () => {
  it('holds a Tracking API batch to 2,500 events and 500 KB as a whole', () => {
    const many = Array.from({ length: 2501 }, (_, i) => track(i));
    expect(() => normalizeEvents(many, { batchLimits: true }, receivedAt)).toThrow(BatchError);
    const heavy = Array.from({ length: 20 }, (_, i) => track(i, 30_000));
    expect(() => normalizeEvents(heavy, { batchLimits: true }, receivedAt)).toThrow(/over the limit/);
  });

  it('splits other emits into slices within those limits and keeps every valid event', () => {
    const many = Array.from({ length: 6000 }, (_, i) => track(i));
    expect(normalizeEvents(many, {}, receivedAt).accepted).toHaveLength(6000);
    const heavy = Array.from({ length: 40 }, (_, i) => track(i, 30_000));
    const out = normalizeEvents(heavy, {}, receivedAt);
    expect(out.accepted.map((e) => e.messageId)).toEqual(heavy.map((e) => e.messageId));
  });

  it('reports rejected events at their position in the whole request, with the payload as sent', () => {
    const events = [...Array.from({ length: 2600 }, (_, i) => track(i)), { type: 'track', userId: 'u', messageId: 'no-event', writeKey: 'secret' }];
    const out = normalizeEvents(events, {}, receivedAt, ['writeKey']);
    expect(out.rejected).toEqual([
      {
        index: 2600,
        messageId: 'no-event',
        errors: [expect.objectContaining({ path: 'event' })],
        bytes: expect.any(Number),
        payload: '{"type":"track","userId":"u","messageId":"no-event"}',
      },
    ]);
  });

  it('keeps no payload for an oversized or over-deep event, and measures only what is safe', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 50; i++) deep = [deep];
    const out = normalizeEvents([track(1, 40_000), { type: 'track', userId: 'u', event: 'E', properties: { deep } }], {}, receivedAt);
    expect(out.rejected.map((r) => [r.payload, r.bytes === null])).toEqual([
      [null, false],
      [null, true],
    ]);
  });

  it('applies the default type and batch-level context, the event winning', () => {
    const out = normalizeEvents([{ userId: 'u', event: 'E', context: { ip: '2.2.2.2' } }], { defaultType: 'track', context: { ip: '1.1.1.1', locale: 'fr' } }, receivedAt);
    expect(out.accepted[0]).toMatchObject({ type: 'track', context: { ip: '2.2.2.2', locale: 'fr' }, receivedAt: receivedAt.toISOString() });
    expect(() => normalizeEvents([], { defaultType: 'delete' }, receivedAt)).toThrow(TypeError);
  });
});
