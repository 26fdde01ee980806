import { createGunzip, createInflate, type Gunzip, type Inflate } from 'node:zlib';
import type { NextFunction, Request, Response } from 'express';
import type { ServedRoute } from './inbound-routes';

/** What the reader attaches to a request of an inbound route. */
export interface InboundRequestState {
  route: ServedRoute;
  /** The body as sent, decompressed. */
  rawBody: Buffer;
  receivedAt: Date;
  /** Headers as received; the copy on `req` loses the ones that must not reach logs. */
  headers: Record<string, string>;
}

export type InboundHttpRequest = Request & { hubInbound?: InboundRequestState };

/** Headers that carry credentials or settings (Segment's X-Segment-Settings holds the API key). */
const UNLOGGED_HEADERS = ['x-segment-settings'];

// `text/plain` is what analytics.js posts from browsers (a CORS simple request).
const ACCEPTED_TYPES = new Set(['application/json', 'text/plain']);

function fail(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  // The rest of the body is not read: close the connection instead of draining it.
  res.setHeader('connection', 'close');
  res.status(status).json({ statusCode: status, error: status === 413 ? 'Payload Too Large' : status === 415 ? 'Unsupported Media Type' : 'Bad Request', message, code });
}

const mib = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.round(bytes / 1024)} KB`);

function flatHeaders(req: Request): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Reads an inbound route's body itself, before any JSON body parser can: bytes counted as they
 * arrive (and again after gunzip/inflate, so a small gzip bomb is stopped at the same cap), the
 * raw bytes kept for signatures, nothing parsed. Answers 413/415/400 on its own; a body it read
 * completely leaves the request finished, so a body parser registered later skips it.
 */
export function inboundBodyReader(route: ServedRoute) {
  return (req: InboundHttpRequest, res: Response, next: NextFunction): void => {
    const receivedAt = new Date();
    const headers = flatHeaders(req);
    for (const name of UNLOGGED_HEADERS) delete req.headers[name];

    const mediaType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== '' && !ACCEPTED_TYPES.has(mediaType)) {
      return fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${JSON.stringify(mediaType.slice(0, 60))} is not accepted: send application/json`);
    }
    const encoding = (headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    let decoder: Gunzip | Inflate | undefined;
    if (encoding === 'gzip' || encoding === 'x-gzip') decoder = createGunzip();
    else if (encoding === 'deflate') decoder = createInflate();
    else if (encoding !== 'identity' && encoding !== '') {
      return fail(res, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Encoding ${JSON.stringify(encoding.slice(0, 30))} is not accepted: use gzip or none`);
    }
    const cap = route.maxBodyBytes;
    const tooLarge = `Request body is larger than ${mib(cap)}, the limit of this endpoint`;
    const declared = Number(headers['content-length']);
    if (Number.isFinite(declared) && declared > cap) return fail(res, 413, 'PAYLOAD_TOO_LARGE', tooLarge);

    const chunks: Buffer[] = [];
    let bodyBytes = 0;
    let wireBytes = 0;
    let done = false;
    const finish = (err?: { status: number; code: string; message: string }) => {
      if (done) return;
      done = true;
      req.off('data', onWire);
      req.off('end', onWireEnd);
      req.off('error', onError);
      if (decoder) {
        decoder.removeAllListeners();
        decoder.on('error', () => undefined);
        decoder.destroy();
      }
      if (err) return fail(res, err.status, err.code, err.message);
      req.hubInbound = { route, rawBody: Buffer.concat(chunks, bodyBytes), receivedAt, headers };
      next();
    };
    const onBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > cap) return finish({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: tooLarge });
      chunks.push(chunk);
    };
    const onWire = (chunk: Buffer) => {
      wireBytes += chunk.length;
      if (wireBytes > cap) return finish({ status: 413, code: 'PAYLOAD_TOO_LARGE', message: tooLarge });
      if (decoder) decoder.write(chunk);
      else onBody(chunk);
    };
    const onWireEnd = () => (decoder ? decoder.end() : finish());
    const onError = () => finish({ status: 400, code: 'MALFORMED_BODY', message: 'The request body could not be read' });
    if (decoder) {
      decoder.on('data', onBody);
      decoder.on('end', () => finish());
      decoder.on('error', () => finish({ status: 400, code: 'MALFORMED_BODY', message: `Request body is not valid ${encoding} data` }));
    }
    req.on('data', onWire);
    req.on('end', onWireEnd);
    req.on('error', onError);
  };
}
