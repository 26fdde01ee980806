import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Observable } from 'rxjs';
import { type RequestLike, requestLogFields } from './logger-options';

/**
 * Route params exist only once Nest has routed the request, after pino-http ran: bind the
 * workspace/installation ids here so every later line of the request (services, filters, the
 * completion line) carries them.
 */
@Injectable()
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly logger: PinoLogger) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const fields = requestLogFields(context.switchToHttp().getRequest<RequestLike>());
      if (Object.keys(fields).length) {
        try {
          this.logger.assign(fields);
        } catch {
          // Outside the request logger's scope (a route excluded from it): nothing to enrich.
        }
      }
    }
    return next.handle();
  }
}
