import { field } from '@hub/sdk';
import { z } from 'zod';

/**
 * `apiCall`: a custom Tracking API request. The caller chooses the path, method, headers, query
 * and body; the hub chooses everything that decides where the request goes (scheme, host, port:
 * the installation's region or its gated endpoint) and adds the write key's auth. Each rule below
 * closes an SSRF route (see api-call.ssrf.spec.ts for the corpus).
 */

/** Segment's request limit. */
export const MAX_API_CALL_BODY_BYTES = 500 * 1024;

// Only unreserved characters and "/": no "%" (no encoded "/" or ".." to smuggle), no "@" or ":"
// (no userinfo or port), no "\" (WHATWG URL treats it as "/"), no whitespace or controls.
const PATH_CHARS = /^\/?[A-Za-z0-9._~/-]+$/;

export function pathProblem(path: string): string | undefined {
  if (!PATH_CHARS.test(path)) return 'may contain only letters, digits, "/", ".", "-", "_" and "~" (no scheme, host, port, "@", "%" or "\\")';
  const segments = path.replace(/^\//, '').split('/');
  if (segments.some((s) => s === '')) return 'must not contain empty segments ("//") or end with "/"';
  if (segments.some((s) => s === '.' || s === '..')) return 'must not contain "." or ".." segments';
  if (segments[0] !== 'v1') return 'must be a Tracking API path starting with /v1/ (e.g. /v1/track)';
  if (segments.length > 8) return 'has too many segments';
  return undefined;
}

const FORBIDDEN_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'host',
  'cookie',
  'connection',
  'content-length',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'keep-alive',
  'expect',
  'forwarded',
  'via',
]);
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;

export function headerProblem(name: string, value: string): string | undefined {
  if (!HEADER_NAME.test(name)) return 'is not a valid header name';
  const lower = name.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith('proxy-') || lower.startsWith('x-forwarded-')) {
    return lower === 'authorization' ? 'is set by the hub (the write key); it cannot be overridden' : 'is controlled by the hub and cannot be set';
  }
  if (/[\r\n\0]/.test(value)) return 'must not contain line breaks';
  if (value.length > 1024) return 'must be at most 1024 characters';
  return undefined;
}

const QUERY_KEY = /^[A-Za-z0-9._~-]{1,64}$/;

export const apiCallInput = z
  .strictObject({
    method: field(z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { error: 'must be GET, POST, PUT, PATCH or DELETE' }).default('POST'), {
      title: 'Method',
    }),
    path: field(
      z
        .string({ error: 'is required' })
        .min(1)
        .max(256)
        .superRefine((path, ctx) => {
          const problem = pathProblem(path);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      {
      title: 'Path',
      description: "Relative to the region's Tracking API host, e.g. /v1/batch.",
    }),
    headers: field(
      z.record(z.string(), z.string({ error: 'must be a string' }), { error: 'must be an object of strings' }).superRefine((headers, ctx) => {
        for (const [name, value] of Object.entries(headers)) {
          const p = headerProblem(name, value);
          if (p) ctx.addIssue({ code: 'custom', path: [name], message: p });
        }
      }),
      { title: 'Headers' },
    ).optional(),
    query: field(
      z.record(z.string(), z.union([z.string().max(2000), z.number(), z.boolean()], { error: 'must be a string, number or boolean' }), {
        error: 'must be an object',
      }),
      { title: 'Query' },
    ).optional(),
    body: field(z.unknown(), { title: 'Body', description: 'JSON; messages in it get the echo marker and a messageId when they have none.' }).optional(),
    messageId: field(z.string().min(1).max(90), {
      title: 'Message id seed',
      description: 'Messages in the body without a messageId get "<seed>" (or "<seed>-<index>" in a batch), stable across retries.',
    }).optional(),
  })
  .superRefine((v, ctx) => {
    const entries = Object.keys(v.query ?? {});
    if (entries.length > 50) ctx.addIssue({ code: 'custom', path: ['query'], message: 'has more than 50 parameters' });
    for (const key of entries) {
      if (!QUERY_KEY.test(key)) ctx.addIssue({ code: 'custom', path: ['query', key], message: 'is not a valid parameter name' });
    }
    if (v.body !== undefined) {
      if (v.method === 'GET' || v.method === 'DELETE') ctx.addIssue({ code: 'custom', path: ['body'], message: `is not allowed with ${v.method}` });
      let bytes = 0;
      try {
        bytes = Buffer.byteLength(JSON.stringify(v.body) ?? '', 'utf8');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['body'], message: 'cannot be encoded as JSON' });
      }
      if (bytes > MAX_API_CALL_BODY_BYTES) {
        ctx.addIssue({ code: 'custom', path: ['body'], message: `is ${bytes} bytes; Segment accepts at most 500 KB per request` });
      }
      if (v.body && typeof v.body === 'object' && !Array.isArray(v.body) && 'writeKey' in v.body) {
        ctx.addIssue({ code: 'custom', path: ['body', 'writeKey'], message: 'is added by the hub (the installation\'s write key); remove it' });
      }
    }
  });

export type ApiCallInput = z.output<typeof apiCallInput>;
