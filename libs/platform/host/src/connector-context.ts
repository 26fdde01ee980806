import type { Logger } from '@nestjs/common';
import {
  type AuthSpec,
  ConfigurationError,
  type ConnectorLogger,
  type Credentials,
  createHttpClient,
  type HttpClient,
} from '@hub/sdk';

export const REDACTED = '[redacted]';
const SECRET_NAME = /pass(word)?|secret|token|api[-_]?key|authorization|credential/i;
/** Short values would redact common words; a secret shorter than this is not worth matching. */
const MIN_SECRET_LENGTH = 4;

/**
 * Removes secrets from anything a connector logs or throws: fields named like secrets, and any
 * occurrence of the installation's secret values (a connector that logs a URL with its key in
 * it must not leak the key).
 */
export class Redactor {
  private values: string[] = [];

  constructor(secretValues: unknown[], private readonly secretKeys: readonly string[] = []) {
    this.add(secretValues);
  }

  /** More secrets to scrub, e.g. an access token the vault refreshed during the run. */
  add(secretValues: unknown[]): void {
    this.values = [...this.values, ...secretValues.filter((v): v is string => typeof v === 'string' && v.length >= MIN_SECRET_LENGTH)].sort(
      (a, b) => b.length - a.length,
    );
  }

  text(value: string): string {
    let out = value;
    for (const secret of this.values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  value(value: unknown, depth = 0): unknown {
    if (typeof value === 'string') return this.text(value);
    if (value === null || typeof value !== 'object') return value;
    if (depth >= 6) return '[nested]';
    if (value instanceof Error) return { name: value.name, message: this.text(value.message) };
    if (Array.isArray(value)) return value.slice(0, 100).map((v) => this.value(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      const redact = this.secretKeys.includes(key) || SECRET_NAME.test(key);
      Object.defineProperty(out, key, { value: redact ? REDACTED : this.value(v, depth + 1), enumerable: true });
    }
    return out;
  }

  /** Scrubs a thrown error's message (and stack, which BullMQ keeps in Redis) in place: it may end up in a dead letter or a log. */
  error<E>(err: E): E {
    if (err instanceof Error) {
      if (typeof err.stack === 'string') {
        const stack = this.text(err.stack);
        if (stack !== err.stack) {
          try {
            err.stack = stack;
          } catch {
            // A frozen error keeps its stack; its message is still replaced below.
          }
        }
      }
      const clean = this.text(err.message);
      if (clean !== err.message) {
        try {
          err.message = clean;
        } catch {
          return new Error(clean) as E;
        }
      }
    }
    return err;
  }
}

/** A connector's logger: every line carries the run's ids; fields pass through the redactor. */
export function connectorLogger(base: Logger, bound: Record<string, string | undefined>, redactor: Redactor): ConnectorLogger {
  const line = (msg: string, fields?: Record<string, unknown>) => ({
    msg: redactor.text(String(msg)),
    ...bound,
    ...(fields ? { fields: redactor.value(fields) } : {}),
  });
  return {
    debug: (msg, fields) => base.debug(line(msg, fields)),
    info: (msg, fields) => base.log(line(msg, fields)),
    warn: (msg, fields) => base.warn(line(msg, fields)),
    error: (msg, fields) => base.error(line(msg, fields)),
  };
}

const nonEmpty = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/**
 * Credentials of an installation that links no vault credential: `none` needs nothing; `apiKey`
 * reads the secret setting `apiKey`; `basic` reads `username` and the secret `password` (for
 * connectors that carry their key as a secret setting, e.g. a Segment write key); `oauth2`
 * always needs a vault credential, connected through the OAuth flow.
 */
export function credentialsFor(auth: AuthSpec, settings: Record<string, unknown>): Credentials {
  switch (auth.type) {
    case 'none':
      return { type: 'none' };
    case 'apiKey':
      if (nonEmpty(settings.apiKey)) return { type: 'apiKey', apiKey: settings.apiKey };
      throw new ConfigurationError('This connector needs an API key: set the "apiKey" setting of the installation, or link an apiKey credential (credentialId)');
    case 'basic':
      if (nonEmpty(settings.username) && nonEmpty(settings.password)) {
        return { type: 'basic', username: settings.username, password: settings.password };
      }
      throw new ConfigurationError(
        'This connector needs a username and password: set the "username" and "password" settings, or link a basic credential (credentialId)',
      );
    case 'oauth2':
      throw new ConfigurationError(
        `This connector signs in with OAuth (${auth.provider}) and no connection is linked: connect it with POST /api/v1/workspaces/<ws>/oauth/${auth.provider}/start {"installationId": "<this installation>"}`,
      );
  }
}

/** The values a vault credential must never show in a log line or an error. */
export function secretValuesOf(credentials: Credentials): string[] {
  switch (credentials.type) {
    case 'apiKey':
      return [credentials.apiKey];
    case 'basic':
      return [credentials.password];
    case 'oauth2':
      return [credentials.accessToken];
    default:
      return [];
  }
}

/**
 * Auth applied once, by the host: connectors never build an Authorization header for basic or
 * OAuth auth. With `onUnauthorized` (an OAuth credential from the vault), a 401 refreshes the
 * tokens once (the callback updates `credentials` in place) and retries the request once:
 * Salesforce says an access token expired only by answering 401.
 */
export function httpClientFor(
  credentials: Credentials,
  signal: AbortSignal,
  onUnauthorized?: (rejectedAccessToken: string) => Promise<void>,
): HttpClient {
  const headers =
    credentials.type === 'basic'
      ? () => ({ authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` })
      : credentials.type === 'oauth2'
        ? () => ({ authorization: `Bearer ${credentials.accessToken}` })
        : undefined;
  const client = createHttpClient({ fetch: globalThis.fetch, signal, headers, defaultTimeoutMs: 30_000 });
  if (credentials.type !== 'oauth2' || !onUnauthorized) return client;
  return {
    async request(req) {
      const sent = credentials.accessToken;
      const res = await client.request(req);
      if (res.status !== 401) return res;
      await res.text().catch(() => undefined);
      await onUnauthorized(sent);
      return client.request(req);
    },
  };
}

export class RunAbortedError extends Error {
  constructor(readonly reason: unknown) {
    super(`run aborted: ${typeof reason === 'string' ? reason : 'aborted'}`);
    this.name = 'RunAbortedError';
  }
}

/**
 * Settles with the connector's promise or as soon as the signal aborts, whichever is first: a
 * connector that ignores its signal cannot hold a draining worker or a timed-out check.
 */
export function raceAbort<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(new RunAbortedError(signal.reason));
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(new RunAbortedError(signal.reason));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
