import net from 'node:net';

/**
 * A TCP forwarder between the hub and PostgreSQL that a test can cut, without touching the
 * shared PostgreSQL server: `blackhole()` drops every open connection and leaves new ones
 * hanging unanswered (a network that stopped answering), `refuse()` drops them and closes new
 * ones at once, `restore()` forwards again.
 */
export class TcpCutter {
  private mode: 'forward' | 'blackhole' | 'refuse' = 'forward';
  private readonly sockets = new Set<net.Socket>();
  private server?: net.Server;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<number> {
    this.server = net.createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return (this.server?.address() as net.AddressInfo).port;
  }

  blackhole(): void {
    this.mode = 'blackhole';
    this.dropAll();
  }

  refuse(): void {
    this.mode = 'refuse';
    this.dropAll();
  }

  restore(): void {
    this.mode = 'forward';
  }

  async stop(): Promise<void> {
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private dropAll(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private accept(client: net.Socket): void {
    this.sockets.add(client);
    client.on('close', () => this.sockets.delete(client));
    client.on('error', () => undefined);
    if (this.mode === 'refuse') return void client.destroy();
    if (this.mode === 'blackhole') return; // held open, never answered
    const upstream = net.connect(this.targetPort, this.targetHost);
    this.sockets.add(upstream);
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }
}

/** `url` with its host and port replaced by the cutter's. */
export function throughCutter(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
