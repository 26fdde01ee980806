import { fieldError, type FieldError } from './field-error';
import { parseIsoDate } from './iso-date';

/** A sent timestamp field: its value and the key it was read from (for error paths). */
export interface SentField {
  value: unknown;
  key: string;
}

export interface SentClock {
  timestamp?: SentField;
  originalTimestamp?: SentField;
  sentAt?: SentField;
}

export interface DerivedTimestamps {
  timestamp: string;
  originalTimestamp?: string;
  sentAt?: string;
  receivedAt: string;
}

// toISOString leaves the four-digit form outside these years, and ISO-8601 readers reject it.
function inFourDigitYears(ms: number): boolean {
  if (!Number.isFinite(ms)) return false;
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999;
}

function parseField(field: SentField | undefined, errors: FieldError[]): number | undefined {
  if (field === undefined) return undefined;
  const ms = typeof field.value === 'string' ? parseIsoDate(field.value) : undefined;
  if (ms === undefined) errors.push(fieldError(field.key, 'must be an ISO-8601 date-time string'));
  return ms;
}

/**
 * `new Date(ms).toISOString()`, without the Date when the sender already wrote exactly that:
 * `YYYY-MM-DDTHH:mm:ss.sssZ` that parsed (so its fields are in range) prints back unchanged.
 */
function isoOf(ms: number, field: SentField | undefined): string {
  const sent = field?.value;
  if (
    typeof sent === 'string' &&
    sent.length === 24 &&
    sent.charCodeAt(10) === 84 && // T
    sent.charCodeAt(19) === 46 && // .
    sent.charCodeAt(23) === 90 // Z
  ) {
    return sent;
  }
  return new Date(ms).toISOString();
}

/** One request's events share their receivedAt: its ISO form is computed once. */
let lastReceived = NaN;
let lastReceivedIso = '';
function receivedIso(ms: number): string {
  if (ms !== lastReceived) {
    lastReceivedIso = new Date(ms).toISOString();
    lastReceived = ms;
  }
  return lastReceivedIso;
}

/**
 * Segment's rule (PROTOCOLS.md): with the sender's clock fields (`sentAt` and
 * `originalTimestamp`) the skew between the sender's clock and ours is removed,
 * `timestamp = receivedAt - (sentAt - originalTimestamp)`; otherwise `timestamp` as sent, else
 * `receivedAt`. Any unreadable date is an error rather than silently falling through.
 */
export function deriveTimestamps(
  sent: SentClock,
  receivedAt: Date,
): { ok: true; value: DerivedTimestamps } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const timestamp = parseField(sent.timestamp, errors);
  const original = parseField(sent.originalTimestamp, errors);
  const sentAt = parseField(sent.sentAt, errors);
  if (errors.length > 0) return { ok: false, errors };

  const received = receivedAt.getTime();
  let derived = received;
  if (sentAt !== undefined && original !== undefined) derived = received - (sentAt - original);
  else if (timestamp !== undefined) derived = timestamp;
  if (!inFourDigitYears(derived)) {
    return { ok: false, errors: [fieldError('timestamp', 'the derived timestamp falls outside the years 0000-9999')] };
  }
  const value: DerivedTimestamps = {
    timestamp: derived === timestamp ? isoOf(derived, sent.timestamp) : new Date(derived).toISOString(),
  } as DerivedTimestamps;
  if (original !== undefined) value.originalTimestamp = isoOf(original, sent.originalTimestamp);
  if (sentAt !== undefined) value.sentAt = isoOf(sentAt, sent.sentAt);
  value.receivedAt = receivedIso(received);
  return { ok: true, value };
}
