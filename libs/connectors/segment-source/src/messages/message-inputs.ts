import { reservedGroupTraits, reservedIdentifyTraits, reservedTrackProperties } from '@hub/event-model';
import { field } from '@hub/sdk';
import { z } from 'zod';

/**
 * Typed inputs of the message actions. One zod schema per action gives validation (400 naming
 * each field), the TypeScript type and the JSON Schema of the catalog. Reserved traits and
 * properties come from the event model (email a string, createdAt ISO-8601, revenue a number,
 * currency ISO 4217 ...); unknown keys inside traits/properties pass (customers add their own),
 * unknown keys at the top level are errors (a typo such as `user_id` must not vanish).
 */

/** Segment's per-event limit; the wire message adds about 250 bytes of library context. */
export const MAX_EVENT_BYTES = 32 * 1024;

const id = (title: string) =>
  field(z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(512, 'must be at most 512 characters'), { title });

const jsonObject = z.record(z.string(), z.unknown(), { error: 'must be an object' });

// ISO 4217 as the runtime knows it, plus the X-codes (metals, funds) that Intl leaves out.
const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const currency = z
  .string({ error: 'must be a string' })
  .refine((c) => /^[A-Z]{3}$/.test(c) && (CURRENCIES.has(c) || c.startsWith('X')), 'must be an ISO 4217 currency code such as USD or EUR');

export const commonFields = {
  userId: id('User id').optional(),
  anonymousId: id('Anonymous id').optional(),
  timestamp: field(z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time with a time zone, e.g. 2024-05-01T12:00:00Z' }), {
    title: 'Timestamp',
    description: 'When it happened, for backfills. Defaults to the time of sending.',
  }).optional(),
  context: field(jsonObject, { title: 'Context', description: 'Segment context (ip, locale, groupId ...).' }).optional(),
  integrations: field(z.record(z.string(), z.union([z.boolean(), jsonObject], { error: 'must be true, false or an object' }), { error: 'must be an object' }), {
    title: 'Integrations',
    description: 'Routing, e.g. {"All": false, "Mixpanel": true}; names are case-sensitive.',
  }).optional(),
  messageId: field(z.string({ error: 'must be a string' }).min(1, 'must not be empty').max(100, 'must be at most 100 characters'), {
    title: 'Message id',
    description: 'Segment dedupes on it. The hub assigns one when absent and keeps it across retries.',
  }).optional(),
};

const identityRule = {
  message: 'userId or anonymousId is required',
  path: ['userId'],
  when: () => true,
};
const hasIdentity = (v: { userId?: string; anonymousId?: string }) => !!v.userId || !!v.anonymousId;

/** The byte size of the input as JSON: an input over 32 KB can never be sent. */
function sizeRule(value: unknown, ctx: z.RefinementCtx): void {
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(value), 'utf8');
  } catch {
    ctx.addIssue({ code: 'custom', message: 'cannot be encoded as JSON' });
    return;
  }
  if (bytes > MAX_EVENT_BYTES) {
    ctx.addIssue({ code: 'custom', message: `is ${bytes} bytes; Segment accepts at most ${MAX_EVENT_BYTES} bytes (32 KB) per event` });
  }
}

const trackProperties = reservedTrackProperties.extend({ currency: currency.nullable().optional() });

export const identifyInput = z
  .strictObject({ ...commonFields, traits: field(reservedIdentifyTraits, { title: 'Traits' }).optional() })
  .refine(hasIdentity, identityRule)
  .superRefine(sizeRule);

export const trackInput = z
  .strictObject({
    ...commonFields,
    event: field(z.string({ error: 'is required' }).min(1, 'must not be empty').max(200, 'must be at most 200 characters'), { title: 'Event name' }),
    properties: field(trackProperties, { title: 'Properties', description: 'revenue (decimal), currency (ISO 4217), value ...' }).optional(),
  })
  .refine(hasIdentity, identityRule)
  .superRefine(sizeRule);

const pageShape = {
  ...commonFields,
  name: field(z.string({ error: 'must be a string' }).max(500), { title: 'Name' }).optional(),
  category: field(z.string({ error: 'must be a string' }).max(500), { title: 'Category' }).optional(),
  properties: field(jsonObject, { title: 'Properties' }).optional(),
};

export const pageInput = z.strictObject(pageShape).refine(hasIdentity, identityRule).superRefine(sizeRule);
export const screenInput = z.strictObject(pageShape).refine(hasIdentity, identityRule).superRefine(sizeRule);

export const groupInput = z
  .strictObject({
    ...commonFields,
    groupId: id('Group id'),
    traits: field(reservedGroupTraits, { title: 'Traits' }).optional(),
  })
  .refine(hasIdentity, identityRule)
  .superRefine(sizeRule);

export const aliasInput = z
  .strictObject({
    ...commonFields,
    userId: id('User id'),
    previousId: id('Previous id'),
  })
  .superRefine(sizeRule);

export type IdentifyInput = z.output<typeof identifyInput>;
export type TrackInput = z.output<typeof trackInput>;
export type PageInput = z.output<typeof pageInput>;
export type GroupInput = z.output<typeof groupInput>;
export type AliasInput = z.output<typeof aliasInput>;

export type MessageType = 'identify' | 'track' | 'page' | 'screen' | 'group' | 'alias';

export type MessageInput = IdentifyInput | TrackInput | PageInput | GroupInput | AliasInput;
