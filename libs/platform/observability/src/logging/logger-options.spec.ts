import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { pinoHttp } from 'pino-http';
import { bindLogger } from './hub-logger';
import { createHubLogger, httpLoggingOptions, isProbeRequest, requestId, requestLogFields } from './logger-options';
import { CaptureStream } from '../testing/capture-stream';

function fakeExchange(url: string, headers: Record<string, string> = {}) {
  const req = new IncomingMessage(new Socket());
  req.method = 'GET';
  req.url = url;
  req.headers = headers;
  const res = new ServerResponse(req);
  return { req, res };
}

describe('requestId', () => {
  it('keeps a sane incoming x-request-id and echoes it', () => {
    const { req, res } = fakeExchange('/', { 'x-request-id': 'lb-1234.abc' });
    expect(requestId(req, res)).toBe('lb-1234.abc');
    expect(res.getHeader('x-request-id')).toBe('lb-1234.abc');
  });

  it.each(['', 'has space', 'x'.repeat(129), '{"json":1}', 'line\nbreak'])('replaces %j with a UUID', (incoming) => {
    const { req, res } = fakeExchange('/', { 'x-request-id': incoming });
    const id = requestId(req, res);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.getHeader('x-request-id')).toBe(id);
  });
});

describe('requestLogFields', () => {
  it('names the workspace from :ws and the installation from :id under /installations', () => {
    expect(
      requestLogFields({ params: { ws: 'w1', id: 'i1' }, route: { path: '/api/v1/workspaces/:ws/installations/:id/check' } }),
    ).toEqual({ workspaceId: 'w1', installationId: 'i1' });
    expect(requestLogFields({ params: { ws: 'w1', id: 't1' }, route: { path: '/api/v1/workspaces/:ws/tokens/:id' } })).toEqual({
      workspaceId: 'w1',
    });
    expect(requestLogFields({ params: { ws: '<script>' } })).toEqual({});
    expect(requestLogFields({})).toEqual({});
  });
});

describe('isProbeRequest', () => {
  it.each([
    ['/health/live', true],
    ['/health/ready?x=1', true],
    ['/metrics', true],
    ['/api/v1/health', false],
    ['/metricsx', false],
  ])('%s -> %s', (url, expected) => {
    expect(isProbeRequest({ url })).toBe(expected);
  });
});

describe('request logging (pino-http with the hub options)', () => {
  function middleware(level: 'info' | 'debug' = 'info') {
    const stream = new CaptureStream();
    const root = createHubLogger({ level, service: 'admin', stream });
    return { stream, handle: pinoHttp(httpLoggingOptions(root)) };
  }

  it('logs one completion line with reqId, route ids, status, and no secret headers', () => {
    const { stream, handle } = middleware();
    const { req, res } = fakeExchange('/api/v1/workspaces/w1/installations/i1?code=oauth-code-canary', {
      authorization: 'Bearer canary-bearer-token',
      cookie: 'sid=canary-cookie',
      'x-signature': 'canary-signature',
      'x-request-id': 'req-42',
    });
    handle(req, res);
    req.log.info('inside the handler');
    Object.assign(req, { params: { ws: 'w1', id: 'i1' }, route: { path: '/api/v1/workspaces/:ws/installations/:id' } });
    res.writeHead(200);
    res.emit('finish');
    const [inside, done] = stream.lines;
    expect(inside).toMatchObject({ reqId: 'req-42', msg: 'inside the handler' });
    expect(inside['req']).toBeUndefined();
    expect(done).toMatchObject({ level: 'info', reqId: 'req-42', workspaceId: 'w1', installationId: 'i1', res: { statusCode: 200 } });
    expect(done['req']).toMatchObject({ method: 'GET', headers: { authorization: '[Redacted]', cookie: '[Redacted]' } });
    expect(stream.text).not.toMatch(/canary/);
  });

  it('logs probes only at debug and 5xx at error', () => {
    const { stream, handle } = middleware('info');
    const probe = fakeExchange('/health/ready');
    handle(probe.req, probe.res);
    probe.res.emit('finish');
    expect(stream.raw).toHaveLength(0);

    const failing = fakeExchange('/api/v1/things');
    handle(failing.req, failing.res);
    failing.res.writeHead(503);
    failing.res.emit('finish');
    expect(stream.lines).toEqual([expect.objectContaining({ level: 'error' })]);
  });
});

describe('bindLogger', () => {
  it('binds the known ids only, skipping empty ones', () => {
    const stream = new CaptureStream();
    const root = createHubLogger({ level: 'info', service: 'worker', stream });
    const payload = { workspaceId: 'w1', installationId: 'i1', jobId: '17', runId: '', writeKey: 'canary-job-writekey' };
    bindLogger(root, payload).info('job started');
    const [line] = stream.lines;
    expect(line).toMatchObject({ service: 'worker', workspaceId: 'w1', installationId: 'i1', jobId: '17', msg: 'job started' });
    expect(line).not.toHaveProperty('runId');
    expect(stream.text).not.toContain('canary-job-writekey');
  });
});
