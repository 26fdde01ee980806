import { createHash, randomBytes } from 'node:crypto';
import type { TokenKind } from '@hub/persistence';

/**
 * Bearer tokens are opaque: a kind prefix (so a leaked token is recognisable in a secret
 * scanner and in support conversations) and 32 random bytes. Only their SHA-256 is stored:
 * a fast hash is enough because the input has 256 bits of entropy, unlike a password.
 */
export const TOKEN_PREFIX: Record<TokenKind, string> = { session: 'hub_s_', api: 'hub_pat_' };

const TOKEN_SHAPE = /^hub_(s|pat)_[A-Za-z0-9_-]{43}$/;

export function generateToken(kind: TokenKind): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/** Rejects junk before it costs a database round trip. */
export function looksLikeToken(value: string): boolean {
  return TOKEN_SHAPE.test(value);
}
