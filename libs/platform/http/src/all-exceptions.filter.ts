import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { reasonPhrase } from './api-error';

const CODE_BY_STATUS: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Errors the database driver raises when Postgres cannot be reached. */
function isDatabaseUnavailable(err: unknown): boolean {
  const e = err as { code?: string; message?: string; name?: string };
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001', '08003'].includes(e?.code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(e?.message ?? '')
  );
}

/**
 * Renders every error as `{statusCode, error, message, code}`. Never a stack trace: unexpected
 * errors are logged server-side and answered with a generic 500.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    if (res.headersSent) return;
    let status = 500;
    let body: Record<string, unknown>;
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const raw = exception.getResponse();
      if (typeof raw === 'object' && raw !== null && 'code' in raw) {
        body = raw as Record<string, unknown>;
      } else {
        // Framework errors (body-parser's malformed JSON, 413, unknown routes) get our shape.
        const message =
          typeof raw === 'string'
            ? raw
            : Array.isArray((raw as { message?: unknown }).message)
              ? ((raw as { message: string[] }).message.join('; '))
              : String((raw as { message?: unknown }).message ?? exception.message);
        body = { statusCode: status, error: reasonPhrase(status), message, code: CODE_BY_STATUS[status] ?? 'ERROR' };
        // NestJS 11 turns body-parser's JSON.parse failure into a plain BadRequestException.
        if (status === 400 && isJsonParseMessage(message)) {
          body = { ...body, message: `Request body is not valid JSON (${message})`, code: 'MALFORMED_JSON' };
        }
      }
    } else if (isBodyParserError(exception)) {
      status = exception.status;
      body = {
        statusCode: status,
        error: reasonPhrase(status),
        message:
          exception.type === 'entity.parse.failed'
            ? 'Request body is not valid JSON'
            : exception.type === 'entity.too.large'
              ? 'Request body is too large'
              : 'Request body could not be read',
        code: exception.type === 'entity.parse.failed' ? 'MALFORMED_JSON' : (CODE_BY_STATUS[status] ?? 'BAD_REQUEST'),
      };
    } else if (isDatabaseUnavailable(exception)) {
      status = 503;
      body = { statusCode: 503, error: reasonPhrase(503), message: 'The database is unavailable; retry shortly', code: 'DATABASE_UNAVAILABLE' };
    } else {
      this.logger.error({ err: exception }, 'Unhandled error');
      body = { statusCode: 500, error: reasonPhrase(500), message: 'Internal server error', code: 'INTERNAL_ERROR' };
    }
    res.status(status).json(body);
  }
}

function isJsonParseMessage(message: string): boolean {
  return /in JSON at position|Unexpected (token|end of JSON)|is not valid JSON|Expected property name|Bad control character|Unterminated string/i.test(message);
}

function isBodyParserError(err: unknown): err is { status: number; type: string } {
  const e = err as { status?: unknown; type?: unknown };
  return typeof e?.status === 'number' && typeof e?.type === 'string' && e.type.startsWith('entity.');
}
