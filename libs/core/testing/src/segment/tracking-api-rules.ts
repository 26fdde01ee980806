/**
 * Segment's documented Tracking API rules (PROTOCOLS.md), as a pure function from a request to
 * the answer Segment would give, so the stand-in server stays a thin HTTP shell around it:
 *
 * - auth: `Authorization: Basic base64("<writeKey>:")` or `writeKey` in the body;
 * - 500 KB per request and 32 KB per event -> 400; bad JSON -> 400;
 * - more than 2,500 events in a batch, or an event without `userId`/`anonymousId` -> 200 and
 *   the data is dropped (the caller is told nothing);
 * - a batch-level `context`/`integrations` is merged into each item.
 */
export const TRACKING_API_LIMITS = Object.freeze({
  maxEventBytes: 32 * 1024,
  maxRequestBytes: 500 * 1024,
  maxBatchEvents: 2500,
});

export const TRACKING_API_TYPES = ['identify', 'track', 'page', 'screen', 'group', 'alias'] as const;

export type TrackingApiPath = `/v1/${(typeof TRACKING_API_TYPES)[number] | 'batch'}`;

export interface TrackingApiRequest {
  path: string;
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface AcceptedMessage {
  type: string;
  messageId: string;
  /** True when the sender gave no messageId and one was made up (Segment does the same). */
  generatedId: boolean;
  message: Record<string, unknown>;
}

export type DropReason = 'too_many_events' | 'missing_identity';

export interface TrackingApiVerdict {
  status: number;
  body: Record<string, unknown>;
  writeKey?: string;
  accepted: AcceptedMessage[];
  dropped: { reason: DropReason; count: number }[];
  /** Events in the request, when it parsed. */
  events: number;
  /** The request broke a documented limit (size, count): what the benchmark counts. */
  violatesLimits: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function basicAuthKey(header: string | undefined): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const key = colon >= 0 ? decoded.slice(0, colon) : decoded;
  return key || undefined;
}

const bad = (status: number, message: string, extra: Partial<TrackingApiVerdict> = {}): TrackingApiVerdict => ({
  status,
  body: { success: false, message },
  accepted: [],
  dropped: [],
  events: 0,
  violatesLimits: false,
  ...extra,
});

let generated = 0;

/** Judges one request the way the Tracking API does. `writeKeys` are the keys it knows. */
export function judgeTrackingApiRequest(req: TrackingApiRequest, writeKeys: ReadonlySet<string>): TrackingApiVerdict {
  const route = /^\/v1\/(identify|track|page|screen|group|alias|batch)\/?$/.exec(req.path.split('?')[0]);
  if (!route) return bad(404, `No route ${req.path}`);
  if (req.body.length > TRACKING_API_LIMITS.maxRequestBytes) {
    return bad(400, `Request body is ${req.body.length} bytes, over the 500 KB limit`, { violatesLimits: true });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(req.body.toString('utf8'));
  } catch {
    return bad(400, 'Invalid JSON');
  }
  if (!isObject(parsed)) return bad(400, 'The body must be a JSON object');

  const key = basicAuthKey(req.headers['authorization']) ?? (typeof parsed.writeKey === 'string' ? parsed.writeKey : undefined);
  if (!key) return bad(401, 'No write key: send Authorization: Basic base64("<writeKey>:") or writeKey in the body');
  if (!writeKeys.has(key)) return bad(401, 'Invalid write key');

  const isBatch = route[1] === 'batch';
  let items: unknown[];
  if (isBatch) {
    if (!Array.isArray(parsed.batch)) return bad(400, 'batch must be an array', { writeKey: key });
    items = parsed.batch;
  } else {
    items = [{ ...parsed, type: parsed.type ?? route[1] }];
  }
  for (const [index, item] of items.entries()) {
    if (!isObject(item)) return bad(400, `batch[${index}] must be an object`, { writeKey: key, events: items.length });
    const bytes = Buffer.byteLength(JSON.stringify(item), 'utf8');
    if (bytes > TRACKING_API_LIMITS.maxEventBytes) {
      return bad(400, `Event ${index} is ${bytes} bytes, over the 32 KB limit`, {
        writeKey: key,
        events: items.length,
        violatesLimits: true,
      });
    }
  }
  const ok = (extra: Partial<TrackingApiVerdict>): TrackingApiVerdict => ({
    status: 200,
    body: { success: true },
    writeKey: key,
    accepted: [],
    dropped: [],
    events: items.length,
    violatesLimits: false,
    ...extra,
  });
  if (items.length > TRACKING_API_LIMITS.maxBatchEvents) {
    // Documented: answered 200, and nothing of it is kept.
    return ok({ dropped: [{ reason: 'too_many_events', count: items.length }], violatesLimits: true });
  }

  const accepted: AcceptedMessage[] = [];
  let missingIdentity = 0;
  for (const raw of items as Record<string, unknown>[]) {
    const message: Record<string, unknown> = { ...raw };
    if (isBatch) {
      if (isObject(parsed.context)) message.context = { ...parsed.context, ...(isObject(raw.context) ? raw.context : {}) };
      if (isObject(parsed.integrations)) {
        message.integrations = { ...parsed.integrations, ...(isObject(raw.integrations) ? raw.integrations : {}) };
      }
    }
    const type = typeof message.type === 'string' ? message.type : isBatch ? undefined : route[1];
    const hasId = (v: unknown) => (typeof v === 'string' && v.length > 0) || typeof v === 'number';
    if (!hasId(message.userId) && !hasId(message.anonymousId)) {
      missingIdentity += 1;
      continue;
    }
    const given = typeof message.messageId === 'string' && message.messageId.length > 0;
    accepted.push({
      type: type ?? 'unknown',
      messageId: given ? (message.messageId as string) : `standin-${++generated}`,
      generatedId: !given,
      message,
    });
  }
  return ok({ accepted, dropped: missingIdentity ? [{ reason: 'missing_identity', count: missingIdentity }] : [] });
}
