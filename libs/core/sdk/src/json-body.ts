import { ValidationError } from './errors';

/** Deeper than any real Segment payload (the event model caps events at 32 levels) plus envelopes. */
export const MAX_JSON_BODY_DEPTH = 64;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when `text` nests arrays/objects deeper than `limit`. A linear scan that tracks strings,
 * so a hostile body is refused before `JSON.parse` builds it and before anything recursive
 * (`JSON.stringify`, zod, revivers) can walk it.
 */
export function jsonNestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return false;
}

/**
 * Parses an inbound request body as JSON, for inbound routes and the host alike: UTF-8 (a BOM is
 * dropped), depth-checked before parsing. Throws ValidationError (answered 400) with a message
 * that never quotes the body: error text travels to senders' debuggers and to logs.
 */
export function parseJsonBody(raw: Buffer, maxDepth = MAX_JSON_BODY_DEPTH): unknown {
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch {
    throw new ValidationError('Request body is not valid UTF-8');
  }
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
