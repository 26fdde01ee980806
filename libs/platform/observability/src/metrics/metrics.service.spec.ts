import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Counter, register as globalRegistry } from 'prom-client';
import { HttpMetricsMiddleware, routeLabel } from './http-metrics.middleware';
import { MetricsService } from './metrics.service';

function exchange(method: string, url: string) {
  const req = new IncomingMessage(new Socket());
  req.method = method;
  req.url = url;
  const res = new ServerResponse(req);
  return { req, res };
}

describe('MetricsService', () => {
  it('creates metrics idempotently and refuses a conflicting redefinition', () => {
    const metrics = new MetricsService({ defaultMetrics: false });
    const a = metrics.counter('hub_events_ingested_total', 'Events accepted', ['connector']);
    const b = metrics.counter('hub_events_ingested_total', 'Events accepted', ['connector']);
    expect(b).toBe(a);
    expect(a).toBeInstanceOf(Counter);
    expect(() => metrics.gauge('hub_events_ingested_total', 'x', ['connector'])).toThrow(/another type or labels/);
    expect(() => metrics.counter('hub_events_ingested_total', 'x', ['workspace'])).toThrow(/another type or labels/);
    expect(metrics.histogram('hub_batch_size', 'Batch sizes', [], [1, 10, 100])).toBe(
      metrics.histogram('hub_batch_size', 'Batch sizes', [], [1, 10, 100]),
    );
  });

  it('rejects names outside the hub_ namespace and bad label names', () => {
    const metrics = new MetricsService({ defaultMetrics: false });
    expect(() => metrics.counter('events_total', 'x')).toThrow(/must start with "hub_"/);
    expect(() => metrics.counter('hub_bad-name', 'x')).toThrow(/must start with "hub_"/);
    expect(() => metrics.counter('hub_ok_total', 'x', ['bad-label'])).toThrow(/not a valid label name/);
  });

  it('keeps one registry per instance, never the global one', async () => {
    const one = new MetricsService({ defaultMetrics: false });
    const two = new MetricsService({ defaultMetrics: false });
    one.counter('hub_only_in_one_total', 'x').inc();
    expect(await one.metrics()).toContain('hub_only_in_one_total 1');
    expect(await two.metrics()).not.toContain('hub_only_in_one_total');
    expect(await globalRegistry.metrics()).not.toContain('hub_');
  });

  it('collects the default process metrics with the hub_ prefix', async () => {
    const text = await new MetricsService().metrics();
    expect(text).toContain('hub_process_cpu_user_seconds_total');
    expect(text).toContain('hub_nodejs_heap_size_used_bytes');
  });
});

describe('HttpMetricsMiddleware', () => {
  it('observes the request duration under the route pattern, not the raw URL', async () => {
    const metrics = new MetricsService({ defaultMetrics: false });
    const middleware = new HttpMetricsMiddleware(metrics);
    const { req, res } = exchange('GET', '/api/v1/workspaces/5d1c/installations');
    const next = jest.fn();
    middleware.use(req, res, next);
    expect(next).toHaveBeenCalledTimes(1);
    Object.assign(req, { route: { path: '/api/v1/workspaces/:ws/installations' } });
    res.statusCode = 200;
    res.end();
    res.emit('finish');
    res.emit('close');
    const text = await metrics.metrics();
    expect(text).toContain(
      'hub_http_request_duration_seconds_count{method="GET",route="/api/v1/workspaces/:ws/installations",status="200"} 1',
    );
    expect(text).not.toContain('5d1c');
  });

  it('labels unrouted requests once and aborted ones 499', async () => {
    const metrics = new MetricsService({ defaultMetrics: false });
    const middleware = new HttpMetricsMiddleware(metrics);
    const unrouted = exchange('BREW', '/random/123');
    middleware.use(unrouted.req, unrouted.res, () => undefined);
    unrouted.res.statusCode = 404;
    unrouted.res.end();
    unrouted.res.emit('finish');
    const aborted = exchange('POST', '/v1/batch');
    middleware.use(aborted.req, aborted.res, () => undefined);
    Object.assign(aborted.req, { route: { path: '/v1/batch' } });
    aborted.res.emit('close');
    const text = await metrics.metrics();
    expect(text).toContain('hub_http_request_duration_seconds_count{method="OTHER",route="unmatched",status="404"} 1');
    expect(text).toContain('hub_http_request_duration_seconds_count{method="POST",route="/v1/batch",status="499"} 1');
  });

  it('prefixes a mounted router base URL', () => {
    expect(routeLabel(Object.assign(new IncomingMessage(new Socket()), { baseUrl: '/v1', route: { path: '/track' } }))).toBe('/v1/track');
  });
});
