import { z } from 'zod';

export const SEGMENT_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;
export type SegmentType = (typeof SEGMENT_TYPES)[number];
export const segmentType = z.enum(SEGMENT_TYPES, { error: `must be one of ${SEGMENT_TYPES.join(', ')}` });

export const MAX_MESSAGE_ID_CHARS = 100;

/** Code points, not UTF-16 units, so the limit means what a Postgres varchar(100) means. */
export const charCount = (text: string): number => (text.length <= MAX_MESSAGE_ID_CHARS ? text.length : [...text].length);

const text = () =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') });
const nonEmptyText = () => text().min(1, 'must not be empty');

export const isoDateTime = z.iso.datetime({ offset: true, error: 'must be an ISO-8601 date-time' });
export const jsonObject = z.record(z.string(), z.unknown(), { error: 'must be an object' });

const common = {
  messageId: nonEmptyText().refine((id) => charCount(id) <= MAX_MESSAGE_ID_CHARS, {
    message: `must be at most ${MAX_MESSAGE_ID_CHARS} characters`,
  }),
  userId: nonEmptyText().optional(),
  anonymousId: nonEmptyText().optional(),
  context: jsonObject,
  integrations: jsonObject,
  timestamp: isoDateTime,
  originalTimestamp: isoDateTime.optional(),
  sentAt: isoDateTime.optional(),
  receivedAt: isoDateTime,
  version: z.union([z.number(), z.string()], { error: 'must be a number or a string' }).optional(),
};

const hasIdentity = (msg: { userId?: unknown; anonymousId?: unknown }): boolean =>
  (typeof msg.userId === 'string' && msg.userId.length > 0) ||
  (typeof msg.anonymousId === 'string' && msg.anonymousId.length > 0);

// `when` makes the rule report together with other field errors instead of after them.
const identityRule = { path: ['userId'], message: 'userId or anonymousId is required', when: () => true };

export const identifyMessage = z
  .object({ type: z.literal('identify'), ...common, traits: jsonObject })
  .refine(hasIdentity, identityRule);

export const trackMessage = z
  .object({ type: z.literal('track'), ...common, event: nonEmptyText(), properties: jsonObject })
  .refine(hasIdentity, identityRule);

export const pageMessage = z
  .object({
    type: z.literal('page'),
    ...common,
    name: text().optional(),
    category: text().optional(),
    properties: jsonObject,
  })
  .refine(hasIdentity, identityRule);

export const screenMessage = z
  .object({
    type: z.literal('screen'),
    ...common,
    name: text().optional(),
    category: text().optional(),
    properties: jsonObject,
  })
  .refine(hasIdentity, identityRule);

export const groupMessage = z
  .object({ type: z.literal('group'), ...common, groupId: nonEmptyText(), traits: jsonObject })
  .refine(hasIdentity, identityRule);

export const aliasMessage = z
  .object({ type: z.literal('alias'), ...common, previousId: nonEmptyText() })
  .refine(hasIdentity, identityRule);

/** A normalized message: camelCase, ids as strings, timestamps as `toISOString()` output. */
export const segmentMessage = z.discriminatedUnion('type', [
  identifyMessage,
  trackMessage,
  pageMessage,
  screenMessage,
  groupMessage,
  aliasMessage,
]);

export type IdentifyMessage = z.infer<typeof identifyMessage>;
export type TrackMessage = z.infer<typeof trackMessage>;
export type PageMessage = z.infer<typeof pageMessage>;
export type ScreenMessage = z.infer<typeof screenMessage>;
export type GroupMessage = z.infer<typeof groupMessage>;
export type AliasMessage = z.infer<typeof aliasMessage>;
export type SegmentMessage = z.infer<typeof segmentMessage>;
/** The message of one type, e.g. `MessageOf<'track'>`. */
export type MessageOf<T extends SegmentType> = Extract<SegmentMessage, { type: T }>;
