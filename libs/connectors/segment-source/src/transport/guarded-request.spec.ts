import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { guardedRequest } from './guarded-request';

/**
 * A keep-alive connection the server drops just as it is reused fails with ECONNRESET before
 * the server read the request. This server answers the first request of each connection and
 * drops the connection on the second, which makes that race deterministic.
 */
describe('guardedRequest on a reused keep-alive connection', () => {
  let server: Server;
  let origin: string;
  const connections = new Set<Socket>();
  let answered = 0;

  beforeAll(async () => {
    const requestsOn = new WeakMap<Socket, number>();
    server = createServer({ keepAlive: true }, (req, res) => {
      const n = (requestsOn.get(req.socket) ?? 0) + 1;
      requestsOn.set(req.socket, n);
      if (n > 1) {
        req.socket.destroy();
        return;
      }
      req.resume();
      req.on('end', () => {
        answered += 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"success":true}');
      });
    });
    server.keepAliveTimeout = 60_000;
    server.on('connection', (s) => connections.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const s of connections) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const post = () =>
    guardedRequest(
      { origin, custom: true },
      { url: new URL('/v1/batch', origin), method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"batch":[]}', timeoutMs: 5000 },
    );

  it('retries once on a fresh connection, so the second request still gets its answer', async () => {
    expect((await post()).status).toBe(200);
    expect((await post()).status).toBe(200);
    expect(answered).toBe(2);
    expect(connections.size).toBe(2);
  });
});
