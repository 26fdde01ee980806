import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MetricsService } from './metrics.service';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/**
 * The route label is the pattern Express matched (`/api/v1/workspaces/:ws`), never the raw URL:
 * ids in URLs would make one time series per object. Unrouted requests share one label.
 */
export function routeLabel(req: RoutedRequest): string {
  const path = req.route?.path;
  if (typeof path !== 'string') return 'unmatched';
  return `${req.baseUrl ?? ''}${path}` || '/';
}

/** Observes `hub_http_request_duration_seconds` when the response ends (or the client leaves). */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(req: RoutedRequest, res: ServerResponse, next: () => void): void {
    const stop = this.metrics.httpRequestDuration.startTimer();
    let recorded = false;
    const record = (finished: boolean) => {
      if (recorded) return;
      recorded = true;
      res.off('finish', onFinish);
      res.off('close', onClose);
      stop({
        method: METHODS.has(req.method ?? '') ? (req.method as string) : 'OTHER',
        route: routeLabel(req),
        // 499: the client closed the connection before the response was complete (nginx's code).
        status: finished ? String(res.statusCode) : '499',
      });
    };
    const onFinish = () => record(true);
    const onClose = () => record(res.writableEnded);
    res.on('finish', onFinish);
    res.on('close', onClose);
    next();
  }
}
