import { createHash, randomBytes } from 'node:crypto';

/** The name under which a connector's Webhooks shared secret is stored (keys use their declared names). */
export const SHARED_SECRET = 'sharedSecret';

export const MASK = '••••••';

/** `apiKey` -> `ak`: keys carry a readable tag, so people (and secret scanners) can tell them apart. */
export function keyTag(name: string): string {
  const initials = name.replace(/[^a-zA-Z0-9]/g, '').match(/^[a-z]|[A-Z0-9]/g) ?? ['k'];
  return initials.join('').toLowerCase().slice(0, 4);
}

/** `hub_ak_<32 random bytes, base64url>`: 256 bits, so hashing without a salt is safe. */
export function generateInboundKey(name: string): string {
  return `hub_${keyTag(name)}_${randomBytes(32).toString('base64url')}`;
}

/** SHA-256 of the key: what is stored and looked up. Plain keys are never stored. */
export function hashInboundKey(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** The non-secret start of a key shown in masked views (tag plus four random characters). */
export function keyPrefix(key: string): string {
  const tagEnd = key.indexOf('_', 4);
  return tagEnd > 0 ? key.slice(0, tagEnd + 5) : key.slice(0, 8);
}

/**
 * The key of `Authorization: Basic base64("<key>:")`. Segment puts the key in the user part;
 * some clients put it in the password part with an empty user, which is accepted too.
 */
export function basicAuthKey(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=_-]{1,2048})\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  const password = colon < 0 ? '' : decoded.slice(colon + 1);
  const key = user || password;
  return key.length > 0 && key.length <= 512 ? key : undefined;
}
