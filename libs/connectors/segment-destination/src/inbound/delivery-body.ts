import { isPlainObject, SEGMENT_TYPES } from '@hub/event-model';
import { ValidationError } from '@hub/sdk';

/** Webhooks (Actions) batches hold up to 4,000 events (PROTOCOLS.md); partner deliveries one. */
export const MAX_DELIVERY_EVENTS = 4000;
/** Room for a 4,000-event Actions batch of ordinary events; above it the host answers 413. */
export const MAX_DELIVERY_BYTES = 4 * 1024 * 1024;

export type ParsedDelivery =
  /** Events to emit; `single` when the body was one message rather than a batch. */
  | { kind: 'events'; events: unknown[]; single: boolean }
  /** A message type the hub does not take (Segment's `delete` notifications): answered 501. */
  | { kind: 'unsupported'; type: string }
  | { kind: 'too-many'; count: number };

const isKnownType = (type: unknown): boolean => (SEGMENT_TYPES as readonly unknown[]).includes(type);

/**
 * Reads a Segment delivery body: one message (partner destinations, classic Webhooks),
 * `{"batch": [...]}`, or a JSON array (batched Webhooks Actions). Events are not checked here: the
 * host normalizes each one and sets bad ones aside with their reason.
 */
export function parseDelivery(body: unknown): ParsedDelivery {
  let events: unknown[];
  if (Array.isArray(body)) {
    events = body;
  } else if (isPlainObject(body) && Array.isArray(body['batch'])) {
    events = body['batch'];
  } else if (isPlainObject(body)) {
    const type = body['type'];
    if (typeof type === 'string' && !isKnownType(type)) return { kind: 'unsupported', type };
    return { kind: 'events', events: [body], single: true };
  } else {
    throw new ValidationError('Request body must be a Segment message (a JSON object), {"batch": [...]} or a JSON array of messages');
  }
  if (events.length > MAX_DELIVERY_EVENTS) return { kind: 'too-many', count: events.length };
  return { kind: 'events', events, single: false };
}
