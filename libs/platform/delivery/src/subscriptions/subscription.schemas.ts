import { z } from 'zod';

/**
 * A subscription: which core events (or profile changes) run which action, with which mapping.
 *
 * Paths are dotted, relative to the event as the hub stores it (`type`, `event`, `userId`,
 * `anonymousId`, `groupId`, `previousId`, `properties.*`, `traits.*`, `context.*`, `timestamp`,
 * `messageId`, `receivedAt`), or to the profile it changed under `profile.*` (`profile.traits.*`,
 * `profile.email`, `profile.name` ...).
 */
const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'prototype', 'constructor']);

export const pathString = z
  .string({ error: 'must be a dotted path such as traits.email' })
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*$/, 'must be a dotted path such as traits.email')
  .refine((p) => !p.split('.').some((s) => FORBIDDEN_SEGMENTS.has(s)), 'must not use __proto__, prototype or constructor');

const OPS = ['eq', 'neq', 'in', 'nin', 'exists', 'missing', 'gt', 'gte', 'lt', 'lte', 'contains'] as const;

export const condition = z
  .strictObject({
    path: pathString,
    op: z.enum(OPS, { error: `must be one of ${OPS.join(', ')}` }),
    value: z.unknown().optional(),
  })
  .superRefine((c, ctx) => {
    const needsValue = c.op !== 'exists' && c.op !== 'missing';
    if (needsValue && c.value === undefined) ctx.addIssue({ code: 'custom', path: ['value'], message: `is required with "${c.op}"` });
    if ((c.op === 'in' || c.op === 'nin') && !Array.isArray(c.value)) ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be an array' });
    if (['gt', 'gte', 'lt', 'lte'].includes(c.op) && typeof c.value !== 'number' && typeof c.value !== 'string') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a number or a string' });
    }
  });

const TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

export const eventFilter = z.strictObject({
  on: z.literal('event'),
  /** Event types; all when absent. */
  types: z.array(z.enum(TYPES, { error: `must be one of ${TYPES.join(', ')}` })).min(1).optional(),
  /** Event names (track `event`, page/screen `name`); any when absent. */
  events: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  conditions: z.array(condition).max(20).optional(),
});

export const profileFilter = z.strictObject({
  on: z.literal('profile'),
  /** user: identify calls; account: group calls. */
  entity: z.enum(['user', 'account'], { error: 'must be user or account' }),
  /** The change must set at least one of these traits; any trait change when absent. */
  traits: z.array(z.string().min(1).max(200)).min(1).max(100).optional(),
  conditions: z.array(condition).max(20).optional(),
});

export const subscriptionFilter = z.discriminatedUnion('on', [eventFilter, profileFilter], { error: 'must have "on": "event" or "profile"' });

/** One mapped field: a path into the event/profile with an optional default, or a constant. */
export const fieldTemplate = z.union(
  [z.strictObject({ path: pathString, default: z.unknown().optional() }), z.strictObject({ value: z.unknown() })],
  { error: 'must be {"path": "...", "default"?: ...} or {"value": ...}' },
);

export const subscriptionMapping = z.strictObject({
  /** Keys are the action input's fields (dotted for nested ones, e.g. "traits.email"). */
  fields: z
    .record(pathString, fieldTemplate, { error: 'must be an object of field templates' })
    .refine((f) => Object.keys(f).length > 0 && Object.keys(f).length <= 200, 'must map between 1 and 200 fields'),
  /** All must hold for the action to run (evaluated on the event and profile). */
  condition: z.array(condition).max(20).optional(),
});

export const createSubscriptionBody = z.strictObject({
  action: z.string().min(1).max(64),
  filter: subscriptionFilter,
  mapping: subscriptionMapping,
  enabled: z.boolean().optional(),
});

export const updateSubscriptionBody = z.strictObject({
  action: z.string().min(1).max(64).optional(),
  filter: subscriptionFilter.optional(),
  mapping: subscriptionMapping.optional(),
  enabled: z.boolean().optional(),
});

export type Condition = z.output<typeof condition>;
export type SubscriptionFilter = z.output<typeof subscriptionFilter>;
export type SubscriptionMapping = z.output<typeof subscriptionMapping>;
export type FieldTemplate = z.output<typeof fieldTemplate>;
export type CreateSubscriptionBody = z.output<typeof createSubscriptionBody>;
export type UpdateSubscriptionBody = z.output<typeof updateSubscriptionBody>;
