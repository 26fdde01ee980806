import { BatchError, isBatchBody, normalizeBatch } from './batch';
import { MAX_BATCH_EVENTS } from './limits';

const opts = { receivedAt: new Date('2024-05-01T12:00:00.000Z'), generateId: () => 'gen' };
const track = (n: number, extra: Record<string, unknown> = {}) => ({
  type: 'track',
  userId: `u${n}`,
  event: 'E',
  messageId: `m${n}`,
  ...extra,
});

function batchError(fn: () => unknown): BatchError {
  try {
    fn();
  } catch (err) {
    if (err instanceof BatchError) return err;
    throw err;
  }
  throw new Error('expected a BatchError');
}

describe('isBatchBody', () => {
  it.each([
    [{ batch: [] }, true],
    [{ batch: [{}], context: {}, integrations: null, writeKey: 'k' }, true],
    [{ batch: {} }, false],
    [{ batch: [], context: [] }, false],
    [{ batch: [], integrations: 'All' }, false],
    [[{ type: 'track' }], false],
    [null, false],
    ['{"batch":[]}', false],
  ])('%p -> %p', (body, expected) => {
    expect(isBatchBody(body)).toBe(expected);
  });
});

describe('normalizeBatch', () => {
  it('normalizes every event, in order', () => {
    const { accepted, rejected } = normalizeBatch({ batch: [track(1), track(2), track(3)] }, opts);
    expect(rejected).toEqual([]);
    expect(accepted.map((m) => m.messageId)).toEqual(['m1', 'm2', 'm3']);
  });

  it('merges batch-level context and integrations into each item, the item winning', () => {
    const body = {
      batch: [track(1, { context: { ip: '10.0.0.1' }, integrations: { All: true } }), track(2)],
      context: { library: { name: 'analytics-python' }, ip: '127.0.0.1' },
      integrations: { All: false, Mixpanel: true },
    };
    const { accepted } = normalizeBatch(body, opts);
    expect(accepted[0]).toMatchObject({
      context: { library: { name: 'analytics-python' }, ip: '10.0.0.1' },
      integrations: { All: true, Mixpanel: true },
    });
    expect(accepted[1]).toMatchObject({
      context: { library: { name: 'analytics-python' }, ip: '127.0.0.1' },
      integrations: { All: false, Mixpanel: true },
    });
    // Each item owns its copy of the batch context.
    expect(accepted[0].context['library']).not.toBe(accepted[1].context['library']);
    expect(body.batch[1]).not.toHaveProperty('context');
  });

  it('rejects bad events one by one and keeps the rest', () => {
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    const body = {
      batch: [
        track(0),
        { type: 'track', userId: 'u1', messageId: 'm1' },
        'not an event',
        track(3, { properties: { pad: 'x'.repeat(33 * 1024) } }),
        track(4),
        track(5, { properties: deep }),
        track(6, { context: 'x' }),
        { type: 'identify', user_id: 7, message_id: 'm7' },
      ],
      context: { app: 'web' },
    };
    const { accepted, rejected } = normalizeBatch(body, opts);
    expect(accepted.map((m) => m.messageId)).toEqual(['m0', 'm4', 'm7']);
    expect(accepted[2]).toMatchObject({ type: 'identify', userId: '7', context: { app: 'web' } });
    expect(rejected.map((r) => [r.index, r.messageId, r.errors[0]?.path])).toEqual([
      [1, 'm1', 'event'],
      [2, undefined, ''],
      [3, 'm3', ''],
      [5, 'm5', expect.stringMatching(/^properties\.a/)],
      [6, 'm6', 'context'],
    ]);
    expect(rejected[2].errors[0].message).toMatch(/over the limit of 32768 bytes/);
  });

  it('does not echo a messageId that is itself the problem', () => {
    const { rejected } = normalizeBatch({ batch: [track(1, { messageId: 'x'.repeat(101) })] }, opts);
    expect(rejected).toEqual([
      { index: 0, messageId: undefined, errors: [{ path: 'messageId', message: 'must be at most 100 characters' }] },
    ]);
  });

  it('drops prototype keys from batch-level objects', () => {
    const body: unknown = JSON.parse(
      '{"batch":[{"type":"track","userId":"u","event":"E"}],"context":{"__proto__":{"polluted":1},"ok":1}}',
    );
    const { accepted } = normalizeBatch(body, opts);
    expect(accepted[0].context).toEqual({ ok: 1 });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('throws INVALID_BATCH for a body that is not a batch', () => {
    expect(batchError(() => normalizeBatch([track(1)], opts))).toMatchObject({ code: 'INVALID_BATCH' });
    expect(batchError(() => normalizeBatch({ batch: 'x', context: 1 }, opts)).errors).toEqual([
      { path: 'batch', message: 'must be an array' },
      { path: 'context', message: 'must be an object' },
    ]);
    let deep: unknown = {};
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(batchError(() => normalizeBatch({ batch: [], context: deep }, opts)).errors[0].path).toMatch(/^context\.a/);
  });

  it('throws TOO_MANY_EVENTS above 2,500 events and accepts exactly 2,500', () => {
    const events = Array.from({ length: MAX_BATCH_EVENTS }, (_, i) => track(i));
    expect(normalizeBatch({ batch: events }, opts).accepted).toHaveLength(MAX_BATCH_EVENTS);
    const error = batchError(() => normalizeBatch({ batch: [...events, track(9999)] }, opts));
    expect(error.code).toBe('TOO_MANY_EVENTS');
    expect(error.message).toBe('batch has 2501 events, over the limit of 2500');
  });

  it('throws BATCH_TOO_LARGE when the events add up to more than 500 KB', () => {
    const big = (n: number) => track(n, { properties: { pad: 'x'.repeat(30 * 1024) } });
    expect(normalizeBatch({ batch: Array.from({ length: 16 }, (_, i) => big(i)) }, opts).accepted).toHaveLength(16);
    const error = batchError(() => normalizeBatch({ batch: Array.from({ length: 17 }, (_, i) => big(i)) }, opts));
    expect(error.code).toBe('BATCH_TOO_LARGE');
    expect(error.errors[0].message).toMatch(/^the batch is \d+ bytes .* over the limit of 512000 bytes/);
  });
});
