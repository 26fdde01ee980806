import {
  aliasMessage,
  charCount,
  groupMessage,
  identifyMessage,
  MAX_MESSAGE_ID_CHARS,
  pageMessage,
  screenMessage,
  type SegmentMessage,
  type SegmentType,
  trackMessage,
} from './messages';

/**
 * A hand-written check of a normalization candidate against `segmentMessage`, for the hot path:
 * about 10x cheaper than the zod parse per event. It only ever ACCEPTS: it answers the message zod
 * would answer when it can tell at a glance that every rule passes, and `undefined` otherwise (the
 * caller then runs zod, which alone words the errors). The zod schemas stay the source of truth:
 * the fields come from their shapes, a field of a schema without a checker here turns the fast
 * path off for that type, and `fast-message.spec.ts` compares both on generated candidates.
 *
 * Only valid for candidates built by `normalizeAdmitted`: JSON-pure values (plain objects, no
 * forbidden keys) and timestamps made by `Date#toISOString`.
 */
type Check = (value: unknown) => boolean;

const nonEmptyText: Check = (v) => typeof v === 'string' && v.length > 0;
const optional =
  (check: Check): Check =>
  (v) =>
    v === undefined || check(v);
// zod's record accepts plain objects and answers a copy with Object.prototype: only objects that
// already have it (every object JSON.parse makes) are the same as that copy.
const record: Check = (v) => typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
/** `toISOString()` output is 24 characters exactly for the years 0000-9999, which zod's `iso.datetime` accepts. */
const isoString: Check = (v) => typeof v === 'string' && v.length === 24;

const CHECKS: Readonly<Record<string, Check>> = {
  messageId: (v) => typeof v === 'string' && v.length > 0 && charCount(v) <= MAX_MESSAGE_ID_CHARS,
  userId: optional(nonEmptyText),
  anonymousId: optional(nonEmptyText),
  context: record,
  integrations: record,
  timestamp: isoString,
  originalTimestamp: optional(isoString),
  sentAt: optional(isoString),
  receivedAt: isoString,
  version: optional((v) => (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'string'),
  event: nonEmptyText,
  name: optional((v) => typeof v === 'string'),
  category: optional((v) => typeof v === 'string'),
  groupId: nonEmptyText,
  previousId: nonEmptyText,
  traits: record,
  properties: record,
};

interface TypePlan {
  /** The schema's fields other than `type`, in its order, each with its check. */
  fields: readonly (readonly [string, Check])[];
}

function planOf(schema: { shape: Record<string, unknown> }): TypePlan | undefined {
  const fields: (readonly [string, Check])[] = [];
  for (const key of Object.keys(schema.shape)) {
    if (key === 'type') continue;
    const check = CHECKS[key];
    if (!check) return undefined; // a field this file does not know: zod decides every message of the type
    fields.push([key, check]);
  }
  return { fields };
}

const PLANS: Readonly<Record<SegmentType, TypePlan | undefined>> = {
  identify: planOf(identifyMessage),
  track: planOf(trackMessage),
  page: planOf(pageMessage),
  screen: planOf(screenMessage),
  group: planOf(groupMessage),
  alias: planOf(aliasMessage),
};

/** The identity rule every type refines with (`userId or anonymousId is required`). */
const hasIdentity = (c: Record<string, unknown>): boolean => nonEmptyText(c['userId']) || nonEmptyText(c['anonymousId']);

/**
 * The message `segmentMessage.parse(candidate)` would return (its type's fields only, unknown
 * ones stripped), or `undefined` when zod must decide.
 */
export function fastSegmentMessage(candidate: Record<string, unknown>): SegmentMessage | undefined {
  const type = candidate['type'];
  const plan = typeof type === 'string' && Object.hasOwn(PLANS, type) ? PLANS[type as SegmentType] : undefined;
  if (!plan || !hasIdentity(candidate)) return undefined;
  const out: Record<string, unknown> = { type };
  for (const [key, check] of plan.fields) {
    const value = candidate[key];
    if (!check(value)) return undefined;
    if (value !== undefined) out[key] = value;
  }
  return out as SegmentMessage;
}

/** For tests: whether the fast path covers every field of the type's schema. */
export const fastPathTypes = (): SegmentType[] => (Object.keys(PLANS) as SegmentType[]).filter((t) => PLANS[t] !== undefined);
