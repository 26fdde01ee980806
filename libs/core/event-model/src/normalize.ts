import { randomUUID } from 'node:crypto';
import { admitEvent } from './admit-event';
import { fieldError, fromZodIssues, type FieldError } from './field-error';
import { SEGMENT_TYPES, segmentMessage, type SegmentMessage, type SegmentType } from './messages';
import type { JsonObject } from './safe-json';
import { deriveTimestamps, type SentField } from './timestamps';

export type { FieldError } from './field-error';

export interface NormalizeOptions {
  /** When the hub received the message; always becomes `receivedAt`, whatever was sent. */
  receivedAt: Date;
  /** Makes a `messageId` for messages sent without one. Defaults to `crypto.randomUUID()`. */
  generateId?: () => string;
  /** Type for messages without `type`, as on the Tracking API's `/v1/track`-style routes. */
  defaultType?: SegmentType;
}

export type NormalizeResult = { ok: true; message: SegmentMessage } | { ok: false; errors: FieldError[] };

const fail = (errors: FieldError[]): NormalizeResult => ({ ok: false, errors });

/**
 * Validates and normalizes one Segment Spec message from any sender. Never throws: every
 * problem, including input that cannot be read at all, comes back as field errors.
 */
export function normalizeMessage(input: unknown, opts: NormalizeOptions): NormalizeResult {
  try {
    if (typeof input !== 'object' || input === null || Array.isArray(input)) {
      return fail([fieldError('', 'must be a JSON object')]);
    }
    const admitted = admitEvent(input);
    if (!admitted.ok) return fail(admitted.errors);
    return normalizeAdmitted(admitted.value as JsonObject, opts);
  } catch (err) {
    return fail([fieldError('', `could not be read: ${err instanceof Error ? err.message : String(err)}`)]);
  }
}

/** The alternative spelling accepted for each camelCase field. */
const SNAKE_CASE: ReadonlyMap<string, string> = new Map([
  ['userId', 'user_id'],
  ['anonymousId', 'anonymous_id'],
  ['messageId', 'message_id'],
  ['previousId', 'previous_id'],
  ['groupId', 'group_id'],
  ['originalTimestamp', 'original_timestamp'],
  ['sentAt', 'sent_at'],
]);

const isSet = (value: unknown): boolean => value !== undefined && value !== null;

/** Reads a field in either spelling, camelCase first; `null` counts as absent. */
function read(raw: JsonObject, field: string): SentField | undefined {
  if (Object.hasOwn(raw, field) && isSet(raw[field])) return { value: raw[field], key: field };
  const snake = SNAKE_CASE.get(field);
  if (snake !== undefined && Object.hasOwn(raw, snake) && isSet(raw[snake])) return { value: raw[snake], key: snake };
  return undefined;
}

/** Segment accepts numeric ids and stores them as strings; an empty id is no id. */
function coerceId(field: SentField | undefined): unknown {
  if (field === undefined) return undefined;
  if (typeof field.value === 'number' && Number.isFinite(field.value)) return String(field.value);
  return field.value === '' ? undefined : field.value;
}

// An absent optional field stays absent in the output instead of becoming `key: undefined`.
const withoutUndefined = (fields: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));

/**
 * Normalizes a message that already passed `admitEvent`: a JSON-pure copy with the shape and
 * size caps checked and prototype keys removed. Unknown top-level fields are dropped, which
 * also keeps a body-level `writeKey` out of storage.
 */
export function normalizeAdmitted(raw: JsonObject, opts: NormalizeOptions): NormalizeResult {
  if (Number.isNaN(opts.receivedAt.getTime())) {
    return fail([fieldError('receivedAt', 'the hub clock gave an invalid date')]);
  }

  const type = read(raw, 'type')?.value ?? opts.defaultType;
  if (type === undefined) return fail([fieldError('type', 'is required')]);
  if (!(SEGMENT_TYPES as readonly unknown[]).includes(type)) {
    return fail([fieldError('type', `must be one of ${SEGMENT_TYPES.join(', ')}`)]);
  }

  const sentKeys = new Map<string, string>();
  const take = (field: string): SentField | undefined => {
    const found = read(raw, field);
    if (found) sentKeys.set(field, found.key);
    return found;
  };

  const clock = deriveTimestamps(
    { timestamp: take('timestamp'), originalTimestamp: take('originalTimestamp'), sentAt: take('sentAt') },
    opts.receivedAt,
  );
  const received = opts.receivedAt.toISOString();
  const candidate = withoutUndefined({
    type,
    messageId: coerceId(take('messageId')) ?? (opts.generateId ?? randomUUID)(),
    userId: coerceId(take('userId')),
    anonymousId: coerceId(take('anonymousId')),
    groupId: coerceId(take('groupId')),
    previousId: coerceId(take('previousId')),
    event: take('event')?.value,
    name: take('name')?.value,
    category: take('category')?.value,
    version: take('version')?.value,
    context: take('context')?.value ?? {},
    integrations: take('integrations')?.value ?? {},
    traits: take('traits')?.value ?? {},
    properties: take('properties')?.value ?? {},
    // With a bad clock field the message fails anyway; these only keep the other checks running.
    ...(clock.ok ? clock.value : { timestamp: received, receivedAt: received }),
  });

  const parsed = segmentMessage.safeParse(candidate);
  const errors = [
    ...(clock.ok ? [] : clock.errors),
    ...(parsed.success ? [] : fromZodIssues(parsed.error.issues, (key) => sentKeys.get(key) ?? key)),
  ];
  if (errors.length > 0 || !parsed.success) return fail(errors);
  return { ok: true, message: parsed.data };
}
