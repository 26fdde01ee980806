import {
  BatchError,
  checkShape,
  type FieldError,
  MAX_BATCH_EVENTS,
  MAX_EVENT_BYTES,
  normalizeBatch,
  type RejectedEvent,
  SEGMENT_TYPES,
  type SegmentMessage,
  type SegmentType,
} from '@hub/event-model';
import type { EmitOptions } from '@hub/sdk';

/** An event set aside, as stored in `rejected_events`. */
export interface RejectedRow {
  index: number;
  messageId: string | null;
  errors: FieldError[];
  /** Size of the event's JSON encoding, when it could be measured safely. */
  bytes: number | null;
  /** The event as sent (JSON text), when it fits the 32 KB event cap. */
  payload: string | null;
}

export interface NormalizedEvents {
  accepted: SegmentMessage[];
  rejected: RejectedRow[];
}

export const reasonOf = (errors: FieldError[]): string =>
  errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; ');

function defaultTypeOf(options: EmitOptions): SegmentType | undefined {
  const type = options.defaultType;
  if (type === undefined) return undefined;
  if (!(SEGMENT_TYPES as readonly string[]).includes(type)) throw new TypeError(`emit: defaultType "${type}" is not a Segment type`);
  return type as SegmentType;
}

/**
 * Normalizes what a connector emitted, with the event model's caps (shape before any recursive
 * walk, 32 KB per event). With `batchLimits` the events are one Tracking API batch (2,500
 * events, 500 KB, batch-level context merged) and `BatchError` refuses it whole. Otherwise (a
 * Webhooks batch of 4,000 events, a job's page) they are normalized in slices that fit those
 * limits, so size alone never refuses events that are each valid. The input is never changed;
 * the accepted messages may share its nested objects (serialize them, do not keep them).
 */
export function normalizeEvents(
  events: unknown[],
  options: EmitOptions,
  receivedAt: Date,
  omitFromPayload: readonly string[] = [],
): NormalizedEvents {
  // The accepted messages are serialized into the inbox parameter at once: no copies needed.
  const opts = { receivedAt, defaultType: defaultTypeOf(options), shareInput: true };
  const out: NormalizedEvents = { accepted: [], rejected: [] };
  const collect = (slice: unknown[], offset: number, batchLevel: Pick<EmitOptions, 'context' | 'integrations'>) => {
    const result = normalizeBatch({ batch: slice, ...batchLevel } as never, opts);
    out.accepted.push(...result.accepted);
    for (const r of result.rejected) out.rejected.push(rejectedRow(r, offset, events, omitFromPayload));
  };
  if (options.batchLimits) {
    collect(events, 0, { context: options.context, integrations: options.integrations });
    return out;
  }
  const split = (offset: number, length: number): void => {
    try {
      collect(events.slice(offset, offset + length), offset, { context: options.context, integrations: options.integrations });
    } catch (err) {
      if (!(err instanceof BatchError) || err.code !== 'BATCH_TOO_LARGE' || length < 2) throw err;
      const half = Math.ceil(length / 2);
      split(offset, half);
      split(offset + half, length - half);
    }
  };
  for (let offset = 0; offset < events.length; offset += MAX_BATCH_EVENTS) {
    split(offset, Math.min(MAX_BATCH_EVENTS, events.length - offset));
  }
  return out;
}

function rejectedRow(r: RejectedEvent, offset: number, events: unknown[], omit: readonly string[]): RejectedRow {
  const index = r.index + offset;
  const kept = payloadOf(events[index], omit);
  return { index, messageId: r.messageId ?? null, errors: r.errors, ...kept };
}

/** The rejected event as JSON text, measured only after its shape passed the caps. */
function payloadOf(event: unknown, omit: readonly string[]): { bytes: number | null; payload: string | null } {
  if (checkShape(event)) return { bytes: null, payload: null };
  let value = event;
  if (omit.length > 0 && typeof event === 'object' && event !== null && !Array.isArray(event)) {
    value = Object.fromEntries(Object.entries(event).filter(([key]) => !omit.includes(key)));
  }
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    return { bytes: null, payload: null };
  }
  if (text === undefined) return { bytes: null, payload: null };
  const bytes = Buffer.byteLength(text, 'utf8');
  return { bytes, payload: bytes <= MAX_EVENT_BYTES ? text : null };
}
