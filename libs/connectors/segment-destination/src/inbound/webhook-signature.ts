import { createHmac, timingSafeEqual } from 'node:crypto';

/** `hex(HMAC-SHA1(secret, body))`, as Segment's Webhooks destinations sign (`X-Signature`). */
export function segmentSignature(secret: string, body: Buffer | string): string {
  return createHmac('sha1', secret).update(body).digest('hex');
}

const SHA1_HEX = /^[0-9a-f]{40}$/i;

function sameDigest(expectedHex: string, sentHex: string): boolean {
  // Both are 20 bytes once the format is checked, so timingSafeEqual never sees unequal lengths.
  return timingSafeEqual(Buffer.from(expectedHex, 'hex'), Buffer.from(sentHex, 'hex'));
}

/**
 * The JSON text Segment signs for a batched Webhooks (Actions) delivery: only the first event,
 * serialized as JavaScript's `JSON.stringify` does. `undefined` when the body is not a non-empty
 * JSON array. `parsed` is the already-parsed body (nothing here re-parses the raw bytes).
 */
export function firstEventText(parsed: unknown): string | undefined {
  if (!Array.isArray(parsed) || parsed.length === 0) return undefined;
  return JSON.stringify(parsed[0]);
}

/**
 * Checks `X-Signature` against the raw body; for a JSON array body, also against its first event,
 * because batched Actions webhooks sign only that. The second form proves who sent the request,
 * not that the other events are untouched: treat it as authentication only (Segment's TLS
 * delivery is what protects integrity). Comparison is constant-time. `readBody` parses the body
 * (capped); it runs only when the raw-body form does not match.
 */
export function verifySegmentSignature(
  rawBody: Buffer,
  signature: string | undefined,
  secret: string,
  readBody?: () => unknown,
): boolean {
  if (!signature || !SHA1_HEX.test(signature.trim()) || secret.length === 0) return false;
  const sent = signature.trim().toLowerCase();
  if (sameDigest(segmentSignature(secret, rawBody), sent)) return true;
  if (!readBody || rawBody[firstNonSpace(rawBody)] !== 0x5b) return false; // not a JSON array
  let first: string | undefined;
  try {
    first = firstEventText(readBody());
  } catch {
    return false;
  }
  return first !== undefined && sameDigest(segmentSignature(secret, first), sent);
}

function firstNonSpace(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++;
  return i;
}
