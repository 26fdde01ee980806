import * as net from 'node:net';
import { setImmediate as realSetImmediate } from 'node:timers';

/**
 * Connector tests never reach a real partner. The guard sits on `net.Socket.prototype.connect`,
 * the one door that `http`, `https`, `tls` and undici's `fetch` all go through, so a connector
 * that bypasses `ctx.http` (a client library, the global `fetch`) is caught too. Loopback stays
 * open because the partner stand-ins of the testing kit are local HTTP servers.
 */
export class NetworkDisabledError extends Error {
  readonly code = 'ERR_NETWORK_DISABLED';

  constructor(
    readonly host: string,
    readonly port?: number,
  ) {
    super(
      `Network access is disabled in connector tests: refused a connection to ${host}${port ? `:${port}` : ''}. ` +
        'Send the request through ctx.http and answer it with intercept(...), or point the connector at a loopback stand-in.',
    );
    this.name = 'NetworkDisabledError';
  }
}

export interface DisableNetworkOptions {
  /** Extra hosts to let through besides loopback, e.g. a stand-in's docker hostname. */
  allowHosts?: (string | RegExp)[];
}

type Target = { kind: 'ipc' } | { kind: 'tcp'; host: string; port?: number };

const originalConnect = net.Socket.prototype.connect;
let explicit = false;
let scopes = 0;
let allowHosts: (string | RegExp)[] = [];
const refused: NetworkDisabledError[] = [];

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (net.isIPv4(h)) return h.startsWith('127.');
  if (net.isIPv6(h)) return h === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(h) || /^::ffff:127\./.test(h);
  return false;
}

function isAllowed(host: string): boolean {
  return isLoopbackHost(host) || allowHosts.some((a) => (typeof a === 'string' ? a === host : a.test(host)));
}

// Socket#connect accepts (options[, cb]), (port[, host][, cb]), (path[, cb]) and, from
// net.connect/tls.connect, an already normalized [options, cb] array.
function targetOf(args: unknown[]): Target {
  const first = Array.isArray(args[0]) ? args[0][0] : args[0];
  if (first !== null && typeof first === 'object') {
    const opts = first as { path?: string; host?: string; port?: number | string };
    if (opts.path) return { kind: 'ipc' };
    return { kind: 'tcp', host: opts.host || 'localhost', port: opts.port === undefined ? undefined : Number(opts.port) };
  }
  if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    return { kind: 'tcp', host: typeof args[1] === 'string' ? args[1] : 'localhost', port: Number(first) };
  }
  return { kind: 'ipc' };
}

function guardedConnect(this: net.Socket, ...args: unknown[]): net.Socket {
  const target = targetOf(args);
  if (target.kind === 'ipc' || isAllowed(target.host)) {
    return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args);
  }
  const error = new NetworkDisabledError(target.host, target.port);
  refused.push(error);
  // Fail the way a refused connection fails, so every client reports it through its own error
  // path (fetch rejects, http emits 'error') instead of throwing from inside a library. While
  // "connecting", writes queue up instead of failing first with ERR_SOCKET_CLOSED. Deferred so
  // the client has attached its listeners; node:timers is not what jest's fake timers replace.
  (this as { connecting: boolean }).connecting = true;
  realSetImmediate(() => this.destroy(error));
  return this;
}

function apply(): void {
  const wanted = explicit || scopes > 0;
  net.Socket.prototype.connect = (wanted ? guardedConnect : originalConnect) as typeof originalConnect;
}

/** Refuses every non-loopback connection until `enableNetwork()`. Use in `beforeAll`. */
export function disableNetwork(options: DisableNetworkOptions = {}): void {
  allowHosts = options.allowHosts ?? [];
  explicit = true;
  apply();
}

/** Lifts `disableNetwork()`; scopes opened by `withNetworkDisabled` stay guarded. */
export function enableNetwork(): void {
  explicit = false;
  allowHosts = [];
  apply();
}

export function isNetworkDisabled(): boolean {
  return net.Socket.prototype.connect === guardedConnect;
}

/** Runs `fn` with the network disabled, then restores the previous state. */
export async function withNetworkDisabled<T>(fn: () => Promise<T>): Promise<T> {
  scopes += 1;
  apply();
  try {
    return await fn();
  } finally {
    scopes -= 1;
    apply();
  }
}

/** Every connection refused so far, oldest first (also those a client swallowed). */
export function refusedConnections(): readonly NetworkDisabledError[] {
  return refused;
}
