import { segmentMessage, SEGMENT_TYPES, type SegmentMessage } from './messages';

const base = {
  messageId: 'm-1',
  userId: 'u-1',
  context: {},
  integrations: {},
  timestamp: '2024-05-01T12:00:00.000Z',
  receivedAt: '2024-05-01T12:00:01.000Z',
};

const valid: SegmentMessage[] = [
  { ...base, type: 'identify', traits: { email: 'a@example.com' } },
  { ...base, type: 'track', event: 'Signed Up', properties: {} },
  { ...base, type: 'page', name: 'Home', category: 'Docs', properties: {} },
  { ...base, type: 'screen', name: 'Settings', properties: {} },
  { ...base, type: 'group', groupId: 'acme', traits: {} },
  { ...base, type: 'alias', previousId: 'anon-1' },
];

const issues = (value: unknown) =>
  segmentMessage.safeParse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

describe('segmentMessage', () => {
  it('lists the six Spec types', () => {
    expect(SEGMENT_TYPES).toEqual(['identify', 'track', 'page', 'screen', 'group', 'alias']);
  });

  it.each(valid)('accepts a normalized $type message', (message) => {
    expect(segmentMessage.parse(message)).toEqual(message);
  });

  it('rejects an unknown type on the discriminator', () => {
    expect(segmentMessage.safeParse({ ...base, type: 'delete' }).error?.issues[0]?.path).toEqual(['type']);
  });

  it('requires userId or anonymousId, together with other field errors', () => {
    const { userId: _userId, ...anonymous } = base;
    expect(segmentMessage.safeParse({ ...anonymous, type: 'alias', previousId: 'x', anonymousId: 'a' }).success).toBe(true);
    expect(issues({ ...anonymous, type: 'track', properties: {} })).toEqual([
      'event: is required',
      'userId: userId or anonymousId is required',
    ]);
  });

  it.each([
    ['track', { event: '' }, 'event: must not be empty'],
    ['group', { groupId: 7 }, 'groupId: must be a string'],
    ['alias', { previousId: undefined }, 'previousId: is required'],
    ['identify', { traits: [] }, 'traits: must be an object'],
    ['page', { name: 1 }, 'name: must be a string'],
    ['track', { timestamp: '2024-05-01' }, 'timestamp: must be an ISO-8601 date-time'],
  ])('rejects a bad %s field %p', (type, patch, message) => {
    const message0 = valid.find((m) => m.type === type);
    expect(issues({ ...message0, ...patch })).toContain(message);
  });

  it('allows 100 characters in messageId, counted as code points, and not 101', () => {
    const msg = valid[1];
    expect(segmentMessage.safeParse({ ...msg, messageId: 'a'.repeat(100) }).success).toBe(true);
    expect(segmentMessage.safeParse({ ...msg, messageId: '😀'.repeat(100) }).success).toBe(true);
    expect(issues({ ...msg, messageId: 'a'.repeat(101) })).toEqual(['messageId: must be at most 100 characters']);
  });

  it('strips unknown top-level fields', () => {
    expect(segmentMessage.parse({ ...valid[1], writeKey: 'secret' })).not.toHaveProperty('writeKey');
  });
});
