import { admitEvent, admitEventShared, type Admission } from './admit-event';
import { fieldError, type FieldError } from './field-error';
import { checkShape, MAX_BATCH_BYTES, MAX_BATCH_EVENTS, sizeError } from './limits';
import { charCount, MAX_MESSAGE_ID_CHARS, type SegmentMessage } from './messages';
import { normalizeAdmitted, type NormalizeOptions } from './normalize';
import { isPlainObject, parseSafeJson, type JsonObject } from './safe-json';

/** A Tracking API `/v1/batch` body. Other body fields (`writeKey`, `sentAt`) are not used here. */
export interface BatchBody {
  batch: unknown[];
  context?: JsonObject | null;
  integrations?: JsonObject | null;
}

export interface RejectedEvent {
  /** Position in the request's `batch` array. */
  index: number;
  /** As sent, when the event carried a readable one. */
  messageId?: string;
  errors: FieldError[];
}

export interface BatchResult {
  accepted: SegmentMessage[];
  rejected: RejectedEvent[];
}

/** INVALID_BATCH: not a batch body, or its `context`/`integrations` break the shape caps. */
export type BatchErrorCode = 'INVALID_BATCH' | 'TOO_MANY_EVENTS' | 'BATCH_TOO_LARGE';

/**
 * The whole request is unusable (answer 400). Thrown rather than returned because no event of
 * it can be kept, unlike per-event problems, which `normalizeBatch` reports in `rejected`.
 */
export class BatchError extends Error {
  constructor(
    readonly code: BatchErrorCode,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; '));
    this.name = 'BatchError';
  }
}

const optionalObject = (value: unknown): boolean => value === undefined || value === null || isPlainObject(value);

function bodyErrors(body: unknown): FieldError[] {
  if (!isPlainObject(body)) return [fieldError('', 'must be a JSON object with a `batch` array')];
  const errors: FieldError[] = [];
  if (!Array.isArray(body['batch'])) errors.push(fieldError('batch', 'must be an array'));
  if (!optionalObject(body['context'])) errors.push(fieldError('context', 'must be an object'));
  if (!optionalObject(body['integrations'])) errors.push(fieldError('integrations', 'must be an object'));
  return errors;
}

/** True for an object with a `batch` array and, when present, object `context`/`integrations`. */
export function isBatchBody(body: unknown): body is BatchBody {
  return bodyErrors(body).length === 0;
}

/** A shape-checked JSON-pure copy of a batch-level object and its size, or a BatchError. */
function batchLevel(value: JsonObject | null | undefined, path: string): { value?: JsonObject; bytes: number } {
  if (!value) return { bytes: 0 };
  const shape = checkShape(value);
  if (shape) throw new BatchError('INVALID_BATCH', [fieldError(shape.path ? `${path}.${shape.path}` : path, shape.message)]);
  const text = JSON.stringify(value);
  return { value: parseSafeJson(text) as JsonObject, bytes: Buffer.byteLength(text, 'utf8') };
}

/** The event's own id when it is usable, so a rejected event can still be traced. */
function sentMessageId(item: unknown): string | undefined {
  if (!isPlainObject(item)) return undefined;
  const raw = item['messageId'] ?? item['message_id'];
  const id = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : raw;
  return typeof id === 'string' && id.length > 0 && charCount(id) <= MAX_MESSAGE_ID_CHARS ? id : undefined;
}

/** Batch-level values fill in what the item lacks: a shallow merge where the item wins. */
function mergeInto(item: JsonObject, field: 'context' | 'integrations', batchValue: JsonObject | undefined): void {
  if (!batchValue) return;
  const own = item[field];
  if (own !== undefined && own !== null && !isPlainObject(own)) return; // normalize reports it
  item[field] = { ...structuredClone(batchValue), ...(own ?? {}) };
}

export interface BatchOptions extends NormalizeOptions {
  /**
   * The caller serializes the accepted messages at once and never changes the input: JSON-pure
   * events are then used as they are instead of as copies (`admitEventShared`), and the accepted
   * messages may share nested objects with the input. The input itself is never modified.
   */
  shareInput?: boolean;
}

/**
 * Normalizes a Tracking API batch. Each event is admitted (caps, 32 KB) and normalized on its
 * own, so one bad event never costs the others. Throws `BatchError` when the body is not a batch,
 * has more than 2,500 events, or its events add up to more than 500 KB. The HTTP layer should
 * still cap the raw body before `JSON.parse`; this is the check on what was parsed.
 */
export function normalizeBatch(body: unknown, opts: BatchOptions): BatchResult {
  const errors = bodyErrors(body);
  if (errors.length > 0) throw new BatchError('INVALID_BATCH', errors);
  const { batch, context, integrations } = body as BatchBody;
  if (batch.length > MAX_BATCH_EVENTS) {
    throw new BatchError('TOO_MANY_EVENTS', [
      fieldError('batch', `has ${batch.length} events, over the limit of ${MAX_BATCH_EVENTS}`),
    ]);
  }
  const batchContext = batchLevel(context, 'context');
  const batchIntegrations = batchLevel(integrations, 'integrations');
  let totalBytes = batchContext.bytes + batchIntegrations.bytes;

  const rejected: RejectedEvent[] = [];
  const admitted: { index: number; value: JsonObject }[] = [];
  const admit = opts.shareInput ? admitEventShared : admitEvent;
  batch.forEach((item, index) => {
    const result: Admission = isPlainObject(item)
      ? admit(item)
      : { ok: false, errors: [fieldError('', 'must be a JSON object')] };
    if (!result.ok) {
      rejected.push({ index, messageId: sentMessageId(item), errors: result.errors });
      return;
    }
    totalBytes += result.bytes;
    admitted.push({ index, value: result.value as JsonObject });
  });
  if (totalBytes > MAX_BATCH_BYTES) {
    throw new BatchError('BATCH_TOO_LARGE', [sizeError(totalBytes, MAX_BATCH_BYTES, 'the batch')]);
  }

  const accepted: SegmentMessage[] = [];
  const merging = batchContext.value !== undefined || batchIntegrations.value !== undefined;
  for (const admission of admitted) {
    const { index } = admission;
    // A shared input is never written to: the merge goes into a shallow copy of the event.
    const value = merging && opts.shareInput ? { ...admission.value } : admission.value;
    mergeInto(value, 'context', batchContext.value);
    mergeInto(value, 'integrations', batchIntegrations.value);
    const result = normalizeAdmitted(value, opts);
    if (result.ok) accepted.push(result.message);
    else rejected.push({ index, messageId: sentMessageId(value), errors: result.errors });
  }
  rejected.sort((a, b) => a.index - b.index);
  return { accepted, rejected };
}
