import { isAscii, isUtf8 } from 'node:buffer';
import { ValidationError } from './errors';

/** Deeper than any real Segment payload (the event model caps events at 32 levels) plus envelopes. */
export const MAX_JSON_BODY_DEPTH = 64;

/**
 * The body as text, or `undefined` when it is not valid UTF-8. The same answer as a fatal
 * `TextDecoder` (which also drops one leading BOM), at a fraction of its cost: validation is
 * native and vectorized, and an ASCII body (most JSON) is copied as Latin-1, byte for byte.
 */
export function decodeUtf8(raw: Uint8Array): string | undefined {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  if (isAscii(buf)) return buf.toString('latin1');
  if (!isUtf8(buf)) return undefined;
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/**
 * True when `text` nests arrays/objects deeper than `limit`. A linear scan that tracks strings,
 * so a hostile body is refused before `JSON.parse` builds it and before anything recursive
 * (`JSON.stringify`, zod, revivers) can walk it. Strings, most of a JSON body, are skipped with
 * native `indexOf` (a quote preceded by an odd run of backslashes is escaped and does not end one).
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      let end = text.indexOf('"', i + 1);
      for (;;) {
        if (end < 0) return false; // an unterminated string: no bracket after it counts
        let backslash = end - 1;
        while (text.charCodeAt(backslash) === 0x5c) backslash--;
        if ((end - 1 - backslash) % 2 === 0) break;
        end = text.indexOf('"', end + 1);
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/** Parses handed over to the next `parseJsonBody` of the same bytes (`primeJsonBody`). */
const primed = new WeakMap<Buffer, { value: unknown; maxDepth: number }>();

/**
 * `parseJsonBody`, and the result is kept for the next `parseJsonBody` of the same Buffer,
 * which takes it (once) instead of parsing again: for the host, which reads a key from the
 * body before the connector parses it. The caller must not change the value it gets.
 */
export function primeJsonBody(raw: Buffer, maxDepth = MAX_JSON_BODY_DEPTH): unknown {
  const value = parseJsonBody(raw, maxDepth);
  primed.set(raw, { value, maxDepth });
  return value;
}

/**
 * Parses an inbound request body as JSON, for inbound routes and the host alike: UTF-8 (a BOM is
 * dropped), depth-checked before parsing. Throws ValidationError (answered 400) with a message
 * that never quotes the body: error text travels to senders' debuggers and to logs.
 */
export function parseJsonBody(raw: Buffer, maxDepth = MAX_JSON_BODY_DEPTH): unknown {
  const ready = primed.get(raw);
  if (ready !== undefined) {
    primed.delete(raw);
    if (ready.maxDepth === maxDepth) return ready.value;
  }
  const text = decodeUtf8(raw);
  if (text === undefined) throw new ValidationError('Request body is not valid UTF-8');
  if (text.trim() === '') throw new ValidationError('Request body is empty: send a JSON object');
  if (jsonNestsDeeperThan(text, maxDepth)) {
    throw new ValidationError(`Request body nests deeper than ${maxDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const position = /position (\d+)/.exec((err as Error).message)?.[1];
    throw new ValidationError(`Request body is not valid JSON${position ? ` (error at position ${position})` : ''}`);
  }
}
