import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { setMaxListeners } from 'node:events';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { checkLiteralHost, pinnedLookup } from './address-policy';

/**
 * The one way this connector opens a connection (analytics-node's batches and `apiCall` alike):
 *
 * - the URL's origin must be the installation's target origin, exactly (no caller-chosen host,
 *   port or scheme can slip in through a path);
 * - HTTPS, except for the gated custom endpoint;
 * - names are resolved once and every address checked (public only for Segment's hosts);
 * - redirects are never followed: a 3xx is a failure (analytics-node counts 3xx as delivered,
 *   which would lose the data silently);
 * - bounded time and bounded response size.
 */
export interface TransportTarget {
  origin: string;
  /** The gated custom endpoint: http allowed, private addresses allowed. */
  custom: boolean;
}

export interface GuardedRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface GuardedResponse {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  /** At most MAX_RESPONSE_BYTES, decoded as UTF-8. */
  body: string;
}

export class TargetMismatchError extends Error {
  readonly code = 'ERR_TARGET_MISMATCH';
  constructor(message: string) {
    super(message);
    this.name = 'TargetMismatchError';
  }
}

const MAX_RESPONSE_BYTES = 64 * 1024;

// Keep-alive pools shared by every installation: connections to api.segment.io are reused
// across batches. `lookup` is given per request (it depends on the target's policy).
const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 32 });
const httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 32 });

export function assertSameOrigin(url: URL, target: TransportTarget): void {
  if (url.origin !== target.origin) {
    throw new TargetMismatchError(`refused a request to ${url.origin}: this installation may only reach ${target.origin}`);
  }
  if (url.username || url.password) throw new TargetMismatchError('refused a URL with credentials in it');
  if (url.protocol !== 'https:' && !(target.custom && url.protocol === 'http:')) {
    throw new TargetMismatchError(`refused ${url.protocol} scheme: Segment is reached over HTTPS only`);
  }
}

// A run's signal is shared by every request of its batch (one abort listener each).
const widened = new WeakSet<AbortSignal>();

export function guardedRequest(target: TransportTarget, req: GuardedRequest): Promise<GuardedResponse> {
  assertSameOrigin(req.url, target);
  if (req.signal && !widened.has(req.signal)) {
    setMaxListeners(256, req.signal);
    widened.add(req.signal);
  }
  checkLiteralHost(req.url.hostname, target.custom);
  return sendOnce(target, req, false);
}

/**
 * A pooled keep-alive connection can be closed by the server (its idle timeout) just as we reuse
 * it; the request then fails with ECONNRESET before the server saw it. Node's documentation
 * recommends retrying exactly that case once, on a fresh connection. Resending is safe: the body
 * carries the same messageIds, which Segment dedupes.
 */
const isStaleSocketError = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE';
};

function sendOnce(target: TransportTarget, req: GuardedRequest, isRetry: boolean): Promise<GuardedResponse> {
  const secure = req.url.protocol === 'https:';
  const send = secure ? httpsRequest : httpRequest;
  return new Promise<GuardedResponse>((resolve, reject) => {
    if (req.signal?.aborted) return reject(req.signal.reason ?? new Error('aborted'));
    // One UTF-8 Buffer per body: sockets write it without transcoding the string again per chunk.
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...req.headers };
    if (body) headers['content-length'] = String(body.length);
    const outgoing = send(
      req.url,
      {
        method: req.method,
        headers,
        agent: secure ? httpsAgent : httpAgent,
        lookup: pinnedLookup(target.custom) as never,
        signal: req.signal,
        timeout: req.timeoutMs,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
          size += chunk.length;
        });
        res.on('error', reject);
        res.on('end', () => {
          const out: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', headers: out, body: Buffer.concat(chunks).toString('utf8') });
        });
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error(`no answer within ${req.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    outgoing.on('error', (err) => {
      if (!isRetry && outgoing.reusedSocket && isStaleSocketError(err) && !req.signal?.aborted) {
        sendOnce(target, req, true).then(resolve, reject);
        return;
      }
      reject(err);
    });
    outgoing.end(body);
  });
}
