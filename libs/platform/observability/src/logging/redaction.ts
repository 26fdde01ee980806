import { EventEmitter } from 'node:events';
import { stdSerializers } from 'pino';

export const REDACTED = '[Redacted]';

/**
 * Paths for pino's own `redact` (fast-redact). Its wildcards match exactly one level, so these
 * cover the documented shapes; `scrubSecrets` (run from `formatters`) catches the same key names
 * at any depth, in bindings and in serialized errors.
 */
export const REDACT_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-signature"]',
  'req.headers["proxy-authorization"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...['password', 'token', 'apiKey', 'writeKey', 'secret', 'secrets', 'accessToken', 'refreshToken', 'clientSecret', 'settings'].flatMap(
    (key) => [key, `*.${key}`],
  ),
];

/** Key names (case, `_` and `-` ignored) whose values never reach a log line. */
const SECRET_KEYS = new Set([
  'password',
  'passwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'apikey',
  'apitoken',
  'writekey',
  'clientsecret',
  'authorization',
  'proxyauthorization',
  'cookie',
  'cookies',
  'setcookie',
  'signature',
  'privatekey',
  'credentials',
  // Installation settings may hold a write key or API key: logged never, as a whole.
  'settings',
]);
/** `adminPassword`, `webhookSecret`, `sessionToken`, `x-api-key`, `x-hub-signature`... */
const SECRET_SUFFIXES = ['password', 'secret', 'secrets', 'token', 'apikey', 'writekey', 'privatekey', 'signature', 'cookie'];

export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase().replace(/[^a-z0-9]/g, '');
  return SECRET_KEYS.has(k) || SECRET_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

const MAX_DEPTH = 16;

/**
 * Returns `value` with every secret-named key's value replaced by `[Redacted]`, at any depth.
 * Copy-on-write: objects without secrets are returned as they are (no allocation on the hot
 * path), objects with secrets are shallow-copied, the caller's object is never mutated. Errors
 * are serialized first (pino's `err` shape) so their enumerable properties are scrubbed too.
 */
export function scrubSecrets<T>(value: T): T {
  return scrub(value, 0, new Set(), new Map()) as T;
}

/**
 * `scrubSecrets` for the merging object of a log call. An Error under `err` is left to the `err`
 * serializer (which scrubs its output): serializing it here would lose its type name there.
 */
export function scrubLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  const err = obj['err'];
  if (!(err instanceof Error)) return scrubSecrets(obj);
  const { err: _err, ...rest } = obj;
  const clean = scrubSecrets(rest);
  return clean === rest ? obj : { ...clean, err };
}

/** Cheap pre-test: a line holding none of these substrings has no secret-named key. */
const MAYBE_SECRET = /pass|secret|token|key|authoriz|cookie|signature|settings|credential/i;

/**
 * The last net, as pino's `hooks.streamWrite`: scrubs the finished JSON line. It catches what
 * `formatters.log` cannot see, chiefly child-logger bindings (`logger.child({...})`), which pino
 * serializes once at `child()` without any formatter. Lines without a suspicious substring pass
 * untouched; others are parsed, and rewritten only when something was redacted.
 */
export function scrubLine(line: string): string {
  if (!MAYBE_SECRET.test(line)) return line;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return line;
  }
  const clean = scrubSecrets(parsed);
  return clean === parsed ? line : `${JSON.stringify(clean)}\n`;
}

/** The `err` serializer: pino's shape, then scrubbed (errors carry request configs, headers...). */
export function serializeError(err: unknown): unknown {
  return scrubSecrets(err instanceof Error ? stdSerializers.err(err) : err);
}

function scrub(value: unknown, depth: number, ancestors: Set<object>, done: Map<object, unknown>): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value)) return '[Circular]';
  if (done.has(value)) return done.get(value);
  if (isOpaque(value)) return value;
  if (depth >= MAX_DEPTH) return '[Truncated]';
  ancestors.add(value);
  try {
    let result: unknown;
    if (value instanceof Error) {
      result = scrub(stdSerializers.err(value), depth, ancestors, done);
    } else if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item = value[i];
        const clean = scrub(item, depth + 1, ancestors, done);
        if (clean !== item) (out ??= value.slice())[i] = clean;
      }
      result = out ?? value;
    } else {
      const source = value as Record<string, unknown>;
      let out: Record<string, unknown> | undefined;
      for (const key of Object.keys(source)) {
        const item = source[key];
        const clean = item !== undefined && isSecretKey(key) ? REDACTED : scrub(item, depth + 1, ancestors, done);
        if (clean !== item) (out ??= { ...source })[key] = clean;
      }
      result = out ?? value;
    }
    done.set(value, result);
    return result;
  } finally {
    ancestors.delete(value);
  }
}

/** Objects that serialize themselves (Date, Buffer) or are not data (sockets, requests, streams). */
function isOpaque(value: object): boolean {
  return (
    typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
    value instanceof EventEmitter ||
    ArrayBuffer.isView(value) ||
    value instanceof ArrayBuffer ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof Promise
  );
}

/** OAuth codes are one-time credentials: fine in the browser's URL bar, not in logs. */
const SECRET_QUERY_KEYS = new Set(['code', 'key', 'sig']);

/** A URL with the values of secret-named query parameters replaced; the rest left as sent. */
export function scrubUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const parts = url.slice(q + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const eq = parts[i].indexOf('=');
    if (eq < 0) continue;
    const rawKey = parts[i].slice(0, eq);
    let key = rawKey;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, ' '));
    } catch {
      // Malformed escapes: judge the key as sent.
    }
    if (isSecretKey(key) || SECRET_QUERY_KEYS.has(key.toLowerCase())) {
      parts[i] = `${rawKey}=${REDACTED}`;
      changed = true;
    }
  }
  return changed ? `${url.slice(0, q)}?${parts.join('&')}` : url;
}
