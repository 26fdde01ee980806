import { fieldError, type FieldError } from './field-error';
import { checkShape, EVENT_SHAPE_LIMITS, MAX_EVENT_BYTES, sizeError } from './limits';
import { parseSafeJson } from './safe-json';

export type Admission = { ok: true; bytes: number; value: unknown } | { ok: false; errors: FieldError[] };

/**
 * The gate every inbound event passes before normalization: shape caps (iterative), then the
 * byte limit on the JSON encoding, then a JSON-pure copy with prototype keys removed. Later
 * steps may recurse and use plain property access on the copy without further care.
 */
export function admitEvent(input: unknown, maxBytes: number = MAX_EVENT_BYTES): Admission {
  const shapeError = checkShape(input, EVENT_SHAPE_LIMITS);
  if (shapeError) return { ok: false, errors: [shapeError] };
  let text: string | undefined;
  try {
    text = JSON.stringify(input);
  } catch (err) {
    return { ok: false, errors: [fieldError('', `cannot be encoded as JSON: ${(err as Error).message}`)] };
  }
  if (text === undefined) return { ok: false, errors: [fieldError('', 'must be a JSON object')] };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) return { ok: false, errors: [sizeError(bytes, maxBytes)] };
  return { ok: true, bytes, value: parseSafeJson(text) };
}
