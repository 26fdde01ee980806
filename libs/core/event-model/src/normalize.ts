import { randomUUID } from 'node:crypto';
import { admitEvent } from './admit-event';
import { fastSegmentMessage } from './fast-message';
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

/** The key a field was sent under, camelCase first; `null` counts as absent. */
function keyOf(raw: JsonObject, field: string): string | undefined {
  if (Object.hasOwn(raw, field) && isSet(raw[field])) return field;
  const snake = SNAKE_CASE.get(field);
  if (snake !== undefined && Object.hasOwn(raw, snake) && isSet(raw[snake])) return snake;
  return undefined;
}

/** Reads a field in either spelling, with the key it was sent under (for error paths). */
function read(raw: JsonObject, field: string): SentField | undefined {
  const key = keyOf(raw, field);
  return key === undefined ? undefined : { value: raw[key], key };
}

/** Reads a field's value in either spelling (no allocation: this runs ~20 times per event). */
function valueOf(raw: JsonObject, field: string): unknown {
  const key = keyOf(raw, field);
  return key === undefined ? undefined : raw[key];
}

/** Segment accepts numeric ids and stores them as strings; an empty id is no id. */
function coerceId(value: unknown): unknown {
  if (value === undefined) return undefined;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return value === '' ? undefined : value;
}

/**
 * Normalizes a message that already passed `admitEvent`: a JSON-pure copy with the shape and
 * size caps checked and prototype keys removed. Unknown top-level fields are dropped, which
 * also keeps a body-level `writeKey` out of storage. A message that passes every rule takes
 * the hand-written check (`fastSegmentMessage`); zod decides, and words the errors, otherwise.
 */
export function normalizeAdmitted(raw: JsonObject, opts: NormalizeOptions): NormalizeResult {
  return normalizeWith(raw, opts, true);
}

/** `normalizeAdmitted` with zod alone deciding: the reference the fast path is tested against. */
export function normalizeAdmittedWithZod(raw: JsonObject, opts: NormalizeOptions): NormalizeResult {
  return normalizeWith(raw, opts, false);
}

/** The candidate's fields in order; `undefined` ones are left out, as if never set. */
function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value !== undefined) target[key] = value;
}

function normalizeWith(raw: JsonObject, opts: NormalizeOptions, fast: boolean): NormalizeResult {
  if (Number.isNaN(opts.receivedAt.getTime())) {
    return fail([fieldError('receivedAt', 'the hub clock gave an invalid date')]);
  }

  const type = valueOf(raw, 'type') ?? opts.defaultType;
  if (type === undefined) return fail([fieldError('type', 'is required')]);
  if (!(SEGMENT_TYPES as readonly unknown[]).includes(type)) {
    return fail([fieldError('type', `must be one of ${SEGMENT_TYPES.join(', ')}`)]);
  }

  const clock = deriveTimestamps(
    { timestamp: read(raw, 'timestamp'), originalTimestamp: read(raw, 'originalTimestamp'), sentAt: read(raw, 'sentAt') },
    opts.receivedAt,
  );
  const candidate: Record<string, unknown> = { type };
  put(candidate, 'messageId', coerceId(valueOf(raw, 'messageId')) ?? (opts.generateId ?? randomUUID)());
  put(candidate, 'userId', coerceId(valueOf(raw, 'userId')));
  put(candidate, 'anonymousId', coerceId(valueOf(raw, 'anonymousId')));
  put(candidate, 'groupId', coerceId(valueOf(raw, 'groupId')));
  put(candidate, 'previousId', coerceId(valueOf(raw, 'previousId')));
  put(candidate, 'event', valueOf(raw, 'event'));
  put(candidate, 'name', valueOf(raw, 'name'));
  put(candidate, 'category', valueOf(raw, 'category'));
  put(candidate, 'version', valueOf(raw, 'version'));
  candidate['context'] = valueOf(raw, 'context') ?? {};
  candidate['integrations'] = valueOf(raw, 'integrations') ?? {};
  candidate['traits'] = valueOf(raw, 'traits') ?? {};
  candidate['properties'] = valueOf(raw, 'properties') ?? {};
  if (clock.ok) {
    const { timestamp, originalTimestamp, sentAt, receivedAt } = clock.value;
    candidate['timestamp'] = timestamp;
    put(candidate, 'originalTimestamp', originalTimestamp);
    put(candidate, 'sentAt', sentAt);
    candidate['receivedAt'] = receivedAt;
  } else {
    // With a bad clock field the message fails anyway; these only keep the other checks running.
    const received = opts.receivedAt.toISOString();
    candidate['timestamp'] = received;
    candidate['receivedAt'] = received;
  }

  if (fast && clock.ok) {
    const message = fastSegmentMessage(candidate);
    if (message) return { ok: true, message };
  }
  const parsed = segmentMessage.safeParse(candidate);
  const errors = [
    ...(clock.ok ? [] : clock.errors),
    // Errors name the key as sent (`user_id` when the sender used snake_case).
    ...(parsed.success ? [] : fromZodIssues(parsed.error.issues, (key) => keyOf(raw, key) ?? key)),
  ];
  if (errors.length > 0 || !parsed.success) return fail(errors);
  return { ok: true, message: parsed.data };
}
