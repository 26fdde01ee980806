import { z } from 'zod';
import { mappingProblems } from './mapping-check';
import { applyMapping, matchesFilter, resolvePath } from './subscription-match';
import { subscriptionFilter, subscriptionMapping } from './subscription.schemas';

const track = {
  type: 'track',
  event: 'Signed Up',
  userId: 'u-1',
  properties: { plan: 'pro', seats: 12 },
  traits: null,
  context: { ip: '1.2.3.4' },
  profile: { traits: { email: 'ada@example.com', company: { name: 'Acme' } } },
};

describe('subscription filters', () => {
  it('matches type, event name and property conditions', () => {
    const f = subscriptionFilter.parse({ on: 'event', types: ['track'], events: ['Signed Up'], conditions: [{ path: 'properties.seats', op: 'gte', value: 10 }] });
    expect(matchesFilter(f, track)).toBe(true);
    expect(matchesFilter(f, { ...track, event: 'Logged In' })).toBe(false);
    expect(matchesFilter(f, { ...track, properties: { seats: 3 } })).toBe(false);
    expect(matchesFilter(subscriptionFilter.parse({ on: 'event', types: ['identify'] }), track)).toBe(false);
  });

  it('matches profile changes: identify for users, group for accounts, by trait keys', () => {
    const f = subscriptionFilter.parse({ on: 'profile', entity: 'account', traits: ['plan', 'arr'] });
    expect(matchesFilter(f, { type: 'group', groupId: 'g', traits: { plan: 'pro' } })).toBe(true);
    expect(matchesFilter(f, { type: 'group', groupId: 'g', traits: { name: 'Acme' } })).toBe(false);
    expect(matchesFilter(f, { type: 'identify', traits: { plan: 'pro' } })).toBe(false);
  });

  it('paths never reach prototypes', () => {
    expect(resolvePath({ a: {} }, 'a.constructor')).toBeUndefined();
    expect(subscriptionFilter.safeParse({ on: 'event', conditions: [{ path: '__proto__.x', op: 'exists' }] }).success).toBe(false);
  });
});

describe('subscription mappings', () => {
  const mapping = subscriptionMapping.parse({
    fields: {
      userId: { path: 'userId' },
      event: { value: 'Trial Started' },
      'properties.plan': { path: 'properties.plan' },
      'properties.email': { path: 'profile.traits.email' },
      'properties.region': { path: 'context.region', default: 'eu' },
    },
    condition: [{ path: 'properties.plan', op: 'neq', value: 'free' }],
  });

  it('builds the input from paths, constants and defaults', () => {
    expect(applyMapping(mapping, track)).toEqual({
      userId: 'u-1',
      event: 'Trial Started',
      properties: { plan: 'pro', email: 'ada@example.com', region: 'eu' },
    });
  });

  it('skips the event when the condition fails', () => {
    expect(applyMapping(mapping, { ...track, properties: { plan: 'free' } })).toBeNull();
  });

  it('is checked against the action schema on save, naming mapping fields', () => {
    const schema = z.strictObject({ userId: z.string(), event: z.string().min(1), properties: z.record(z.string(), z.unknown()).optional() });
    expect(mappingProblems(schema, mapping)).toEqual([]);
    const bad = subscriptionMapping.parse({ fields: { userid: { path: 'userId' }, event: { value: 42 } } });
    expect(mappingProblems(schema, bad)).toEqual(
      expect.arrayContaining([
        { path: 'mapping.fields.userid', message: 'is not an input field of this action' },
        { path: 'mapping.fields.event', message: expect.any(String) },
        { path: 'mapping.fields.userId', message: 'is required by the action: map it' },
      ]),
    );
  });
});
