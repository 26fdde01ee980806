import { isPlainObject, type SegmentType } from '@hub/event-model';
import { type EmitOptions, ValidationError } from '@hub/sdk';

/** Above Segment's 500 KB batch limit with room for the envelope; the event sum is checked exactly by the host. */
export const MAX_TRACKING_BODY_BYTES = 1024 * 1024;

/**
 * `/v1/<segment>` to the call it makes. analytics.js posts to one-letter paths (`/v1/t`,
 * `/v1/b`, ...) when its `apiHost` points at a hub, server libraries to the full names.
 */
const ENDPOINTS: Readonly<Record<string, SegmentType | 'batch'>> = Object.freeze({
  identify: 'identify',
  track: 'track',
  page: 'page',
  screen: 'screen',
  group: 'group',
  alias: 'alias',
  batch: 'batch',
  import: 'batch',
  i: 'identify',
  t: 'track',
  p: 'page',
  s: 'screen',
  g: 'group',
  a: 'alias',
  b: 'batch',
});

export function trackingEndpoint(segment: string | undefined): SegmentType | 'batch' | undefined {
  return segment !== undefined && Object.hasOwn(ENDPOINTS, segment) ? ENDPOINTS[segment] : undefined;
}

export interface TrackingRequest {
  events: unknown[];
  options: EmitOptions;
  single: boolean;
}

/**
 * A Tracking API body as the host should emit it. Single calls take their type from the path (as
 * Segment's API does); a batch's `context`/`integrations` are handed to the host, which merges
 * them into each event after its caps. A body-level `writeKey` is auth, read by the host, and
 * never stored: normalization keeps only Spec fields.
 */
export function parseTrackingRequest(endpoint: SegmentType | 'batch', body: unknown): TrackingRequest {
  if (!isPlainObject(body)) throw new ValidationError(`The body of /v1/${endpoint} must be a JSON object`);
  if (endpoint === 'batch') {
    if (!Array.isArray(body['batch'])) throw new ValidationError('The body of /v1/batch must have a "batch" array');
    return {
      events: body['batch'],
      options: { context: body['context'], integrations: body['integrations'], batchLimits: true },
      single: false,
    };
  }
  // A shallow copy of own data properties: the path decides the type, and the write key is auth,
  // not event data (it must not reach rejected_events with the event).
  const { writeKey: _writeKey, ...event } = body;
  return { events: [{ ...event, type: endpoint }], options: { batchLimits: true }, single: true };
}
