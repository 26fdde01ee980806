import { createServer, get, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import {
  disableNetwork,
  enableNetwork,
  isLoopbackHost,
  isNetworkDisabled,
  NetworkDisabledError,
  refusedConnections,
  withNetworkDisabled,
} from './network';

// 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never routed, so even a broken guard could not
// reach anyone; the assertions below check that our guard, not the OS, refused the connection.
const PUBLIC_IP = '203.0.113.7';

async function fetchFailure(url: string): Promise<Error & { cause?: unknown }> {
  try {
    await fetch(url);
  } catch (error) {
    return error as Error & { cause?: unknown };
  }
  throw new Error(`fetch ${url} unexpectedly succeeded`);
}

function httpGetError(url: string): Promise<Error> {
  return new Promise((resolve, reject) => {
    const req = get(url, () => reject(new Error('unexpected response')));
    req.on('error', resolve);
  });
}

describe('network guard', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    server = createServer((_req, res) => res.end('stand-in'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    enableNetwork();
    await new Promise((resolve) => server.close(resolve));
  });

  describe('while disabled', () => {
    beforeAll(() => disableNetwork());
    afterAll(() => enableNetwork());

    // undici re-wraps connection errors (`fetch failed`, cause: a copy of our error's message),
    // so the refusal log is what identifies the guard.
    it('refuses fetch to a public address with a NetworkDisabledError naming the host', async () => {
      const before = refusedConnections().length;
      const error = await fetchFailure(`http://${PUBLIC_IP}/v1/ping`);
      expect(error.message).toBe('fetch failed');
      expect(String((error.cause as Error).message)).toContain(`NetworkDisabledError`);
      expect(refusedConnections().slice(before)).toEqual([expect.objectContaining({ host: PUBLIC_IP, port: 80 })]);
    });

    it('refuses a host name before any DNS lookup', async () => {
      const before = refusedConnections().length;
      await fetchFailure('https://api.partner.example/v1');
      expect(refusedConnections().slice(before)).toEqual([
        expect.objectContaining({ code: 'ERR_NETWORK_DISABLED', host: 'api.partner.example', port: 443 }),
      ]);
    });

    it('refuses node:http and node:https requests', async () => {
      const httpError = await httpGetError(`http://${PUBLIC_IP}:8080/`);
      expect(httpError).toBeInstanceOf(NetworkDisabledError);
      const httpsError = await new Promise<Error>((resolve) => {
        const req = httpsRequest(`https://${PUBLIC_IP}/`, () => resolve(new Error('unexpected response')));
        req.on('error', resolve);
        req.end();
      });
      expect(httpsError).toBeInstanceOf(NetworkDisabledError);
    });

    it('refuses raw sockets and records every refusal', async () => {
      const before = refusedConnections().length;
      const error = await new Promise<Error>((resolve) => connect(5432, PUBLIC_IP).on('error', resolve));
      expect(error).toMatchObject({ code: 'ERR_NETWORK_DISABLED', host: PUBLIC_IP, port: 5432 });
      expect(refusedConnections().slice(before)).toEqual([error]);
    });

    it('lets loopback stand-ins through', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      expect(await res.text()).toBe('stand-in');
      const viaName = await fetch(`http://localhost:${port}/`).catch(() => undefined);
      // `localhost` may resolve to ::1 where the server does not listen; what matters is that
      // the guard did not refuse it.
      expect(viaName === undefined || viaName.status === 200).toBe(true);
    });
  });

  it('allows extra hosts when asked', async () => {
    // 0.0.0.0 is not loopback to the guard, yet reaches the local server (Linux, macOS), so the
    // allowed path is proven without a DNS lookup or a packet leaving the machine.
    disableNetwork({ allowHosts: ['0.0.0.0'] });
    try {
      const before = refusedConnections().length;
      await fetchFailure(`http://${PUBLIC_IP}/`);
      expect(refusedConnections()).toHaveLength(before + 1);
      const res = await fetch(`http://0.0.0.0:${port}/`);
      expect(await res.text()).toBe('stand-in');
      expect(refusedConnections()).toHaveLength(before + 1);
    } finally {
      enableNetwork();
    }
  });

  it('scopes nest with an explicit disable and restore the previous state', async () => {
    expect(isNetworkDisabled()).toBe(false);
    await withNetworkDisabled(async () => {
      expect(isNetworkDisabled()).toBe(true);
      await withNetworkDisabled(async () => expect(isNetworkDisabled()).toBe(true));
      expect(isNetworkDisabled()).toBe(true);
    });
    expect(isNetworkDisabled()).toBe(false);

    disableNetwork();
    await withNetworkDisabled(async () => undefined);
    expect(isNetworkDisabled()).toBe(true);
    enableNetwork();
    expect(isNetworkDisabled()).toBe(false);
  });

  it.each([
    ['localhost', true],
    ['api.localhost', true],
    ['127.0.0.1', true],
    ['127.10.0.3', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['10.0.0.1', false],
    ['203.0.113.7', false],
    ['localhost.evil.example', false],
    ['::ffff:10.0.0.1', false],
  ])('isLoopbackHost(%s) is %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('network guard under fake timers', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => {
    jest.useRealTimers();
    enableNetwork();
  });

  it('still refuses promptly', async () => {
    disableNetwork();
    const error = await httpGetError(`http://${PUBLIC_IP}/`);
    expect(error).toBeInstanceOf(NetworkDisabledError);
  });
});
