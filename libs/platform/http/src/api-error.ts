import { HttpException, HttpStatus } from '@nestjs/common';

export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * The one error shape of the API (API.md): `{statusCode, error, message, code}` plus `fields`
 * for validation failures. Services throw these; the filter renders them.
 */
export class ApiError extends HttpException {
  constructor(
    status: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super({ statusCode: status, error: reasonPhrase(status), message, code, ...(fields ? { fields } : {}) }, status);
  }

  static badRequest(code: string, message: string, fields?: FieldProblem[]) {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message, fields);
  }
  static validation(fields: FieldProblem[], what = 'Request body') {
    const summary = fields
      .slice(0, 10)
      .map((f) => (f.path ? `${f.path}: ${f.message}` : f.message))
      .join('; ');
    return new ApiError(HttpStatus.BAD_REQUEST, 'VALIDATION_FAILED', `${what} is invalid: ${summary}`, fields);
  }
  static unauthorized(message = 'Authentication required: send Authorization: Bearer <token>', code = 'UNAUTHENTICATED') {
    return new ApiError(HttpStatus.UNAUTHORIZED, code, message);
  }
  static forbidden(message: string, code = 'FORBIDDEN') {
    return new ApiError(HttpStatus.FORBIDDEN, code, message);
  }
  /** Also the answer for another workspace's objects: they must look exactly like missing ones. */
  static notFound(what: string, code = 'NOT_FOUND') {
    return new ApiError(HttpStatus.NOT_FOUND, code, `${what} not found`);
  }
  static conflict(code: string, message: string) {
    return new ApiError(HttpStatus.CONFLICT, code, message);
  }
  static unavailable(message: string, code = 'SERVICE_UNAVAILABLE') {
    return new ApiError(HttpStatus.SERVICE_UNAVAILABLE, code, message);
  }
}

const PHRASES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
};

export function reasonPhrase(status: number): string {
  return PHRASES[status] ?? (status >= 500 ? 'Internal Server Error' : 'Error');
}
