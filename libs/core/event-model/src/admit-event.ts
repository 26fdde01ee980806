import { fieldError, type FieldError } from './field-error';
import { checkShape, checkShapeAndPurity, EVENT_SHAPE_LIMITS, MAX_EVENT_BYTES, sizeError } from './limits';
import { mayHoldForbiddenKey, parseSafeJson } from './safe-json';

export type Admission = { ok: true; bytes: number; value: unknown } | { ok: false; errors: FieldError[] };

/** The event's JSON text within the byte limit, or why not. */
function encodeWithin(input: unknown, maxBytes: number): { ok: true; text: string; bytes: number } | { ok: false; errors: FieldError[] } {
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (err) {
    return { ok: false, errors: [fieldError('', `cannot be encoded as JSON: ${(err as Error).message}`)] };
  }
  if (text === undefined) return { ok: false, errors: [fieldError('', 'must be a JSON object')] };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, errors: [sizeError(bytes, maxBytes)] };
  return { ok: true, text, bytes };
}

/**
 * The gate every inbound event passes before normalization: shape caps (iterative), then the
 * byte limit on the JSON encoding, then a JSON-pure copy with prototype keys removed. Later
 * steps may recurse and use plain property access on the copy without further care.
 */
export function admitEvent(input: unknown, maxBytes: number = MAX_EVENT_BYTES): Admission {
  const shapeError = checkShape(input, EVENT_SHAPE_LIMITS);
  if (shapeError) return { ok: false, errors: [shapeError] };
  const encoded = encodeWithin(input, maxBytes);
  if (!encoded.ok) return encoded;
  return { ok: true, bytes: encoded.bytes, value: parseSafeJson(encoded.text) };
}

/**
 * `admitEvent` for callers that serialize what they normalize at once and never touch the
 * input afterwards (the ingestion edge): the same checks and errors, but a JSON-pure input
 * (`checkShapeAndPurity`) whose JSON text cannot hold a forbidden key is admitted as itself
 * instead of as a parsed copy of that text, which is the same value. Anything else (getters
 * aside, which it reads as data) still gets the copy.
 */
export function admitEventShared(input: unknown, maxBytes: number = MAX_EVENT_BYTES): Admission {
  const shape = checkShapeAndPurity(input, EVENT_SHAPE_LIMITS);
  if (shape.error) return { ok: false, errors: [shape.error] };
  const encoded = encodeWithin(input, maxBytes);
  if (!encoded.ok) return encoded;
  const { text, bytes } = encoded;
  return { ok: true, bytes, value: shape.pure && !mayHoldForbiddenKey(text) ? input : parseSafeJson(text) };
}
