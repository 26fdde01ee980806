import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import pino, { type DestinationStream, type Level, type Logger, type LoggerOptions } from 'pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import { REDACT_PATHS, REDACTED, scrubLine, scrubLogObject, scrubSecrets, scrubUrl, serializeError } from './redaction';

export type HubService = 'admin' | 'worker';

export interface HubLoggerSettings {
  /** LOG_LEVEL. */
  level: Level;
  service: HubService;
  /** Where lines go; stdout (synchronously) when absent. Tests pass a capturing stream. */
  stream?: DestinationStream;
}

/** pino options shared by every logger of the hub: JSON, ISO time, level labels, no secrets. */
export function hubLoggerOptions(settings: Pick<HubLoggerSettings, 'level' | 'service'>): LoggerOptions {
  return {
    level: settings.level,
    base: { service: settings.service, pid: process.pid, hostname: hostname() },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => scrubLogObject(obj),
    },
    hooks: { streamWrite: scrubLine },
    serializers: {
      err: serializeError,
      req: pino.stdSerializers.wrapRequestSerializer(serializeRequest),
      res: pino.stdSerializers.wrapResponseSerializer(serializeResponse),
    },
  };
}

/** The root logger of one app: pass it to `bindLogger`, or use `HubLogger` in Nest providers. */
export function createHubLogger(settings: HubLoggerSettings): Logger {
  const options = hubLoggerOptions(settings);
  return settings.stream ? pino(options, settings.stream) : pino(options);
}

/** What pino-http hands our request serializer (pino-std-serializers' request shape). */
interface SerializedRequestInput {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: Record<string, unknown>;
  remoteAddress?: string;
}

/** Method, URL (secret query values scrubbed), headers (secret ones redacted). Never the body. */
export function serializeRequest(req: SerializedRequestInput): Record<string, unknown> {
  return {
    id: req.id,
    method: req.method,
    url: typeof req.url === 'string' ? scrubUrl(req.url) : req.url,
    headers: scrubSecrets(req.headers ?? {}),
    remoteAddress: req.remoteAddress,
  };
}

export function serializeResponse(res: { statusCode?: number; headers?: Record<string, unknown> }): Record<string, unknown> {
  return { statusCode: res.statusCode, headers: scrubSecrets(res.headers ?? {}) };
}

const SANE_TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Ids that come from a client (request ids, route params) are logged only when they look like ids. */
export function isSaneToken(value: unknown): value is string {
  return typeof value === 'string' && SANE_TOKEN.test(value);
}

/**
 * An incoming `x-request-id` (from a load balancer or the caller) is kept when it is a sane
 * token, so one id follows a request across services; otherwise a UUID. Echoed back.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers['x-request-id'];
  const id = isSaneToken(incoming) ? incoming : randomUUID();
  if (!res.headersSent) res.setHeader('x-request-id', id);
  return id;
}

export interface RequestLike {
  url?: string;
  originalUrl?: string;
  params?: Record<string, unknown>;
  route?: { path?: unknown };
}

/**
 * Ids named by the matched route: `:ws` is the workspace everywhere in the API, and `:id`
 * under `/installations/` an installation. Empty before routing (params are filled then).
 */
export function requestLogFields(req: RequestLike): { workspaceId?: string; installationId?: string } {
  const params = req.params ?? {};
  const fields: { workspaceId?: string; installationId?: string } = {};
  if (isSaneToken(params['ws'])) fields.workspaceId = params['ws'];
  if (isSaneToken(params['installationId'])) fields.installationId = params['installationId'];
  else if (
    isSaneToken(params['id']) &&
    typeof req.route?.path === 'string' &&
    /\/installations\/:id(\/|$)/.test(req.route.path)
  ) {
    fields.installationId = params['id'];
  }
  return fields;
}

/** Probes and scrapes: many per minute, logged only at debug. */
export function isProbeRequest(req: RequestLike): boolean {
  const url = req.originalUrl ?? req.url ?? '';
  const path = url.split('?', 1)[0];
  return path === '/metrics' || path === '/health' || path.startsWith('/health/');
}

/** pino-http options for the request logger built on the app's root logger. */
export function httpLoggingOptions(root: Logger): PinoHttpOptions {
  return {
    logger: root,
    genReqId: requestId,
    // App logs during a request carry `reqId` only; the completion line carries req and res.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'reqId' },
    customProps: (req) => requestLogFields(req as RequestLike),
    customLogLevel: (req, res, err) => {
      if (isProbeRequest(req as RequestLike)) return 'debug';
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode >= 400) return 'warn';
      return 'info';
    },
    serializers: { req: serializeRequest, res: serializeResponse, err: serializeError },
  };
}
