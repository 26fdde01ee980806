import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** oidc-provider (test/oidc-server.mjs) as a child process, with the test's view of it. */
export interface OidcServer {
  issuer: string;
  /** Token requests received so far, per grant type: the proof of "exactly one refresh". */
  counts(): Promise<{ authorization_code: number; refresh_token: number }>;
  /** RFC 7009 revocation, as an admin revoking the app's access at the provider would. */
  revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<void>;
  /** Calls the userinfo endpoint with an access token: 200 when the provider accepts it. */
  userinfo(accessToken: string): Promise<number>;
  stop(): void;
}

export interface OidcServerOptions {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  instanceUrl?: string;
  autoLogin?: boolean;
  rotateRefresh?: boolean;
  noExpiresIn?: boolean;
  tokenDelayMs?: number;
}

export async function startOidcServer(options: OidcServerOptions): Promise<OidcServer> {
  const child: ChildProcess = spawn(process.execPath, [join(__dirname, 'oidc-server.mjs')], {
    env: {
      ...process.env,
      CLIENT_ID: options.clientId,
      CLIENT_SECRET: options.clientSecret,
      REDIRECT_URI: options.redirectUri,
      ...(options.instanceUrl ? { INSTANCE_URL: options.instanceUrl } : {}),
      ...(options.autoLogin ? { AUTO_LOGIN: '1' } : {}),
      ...(options.rotateRefresh ? { ROTATE_REFRESH: '1' } : {}),
      ...(options.noExpiresIn ? { NO_EXPIRES_IN: '1' } : {}),
      ...(options.tokenDelayMs ? { TOKEN_DELAY_MS: String(options.tokenDelayMs) } : {}),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const issuer = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', (line) => resolve(JSON.parse(line).issuer));
    child.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
  });
  return {
    issuer,
    counts: async () => (await fetch(`${issuer}/__test/counts`)).json() as Promise<{ authorization_code: number; refresh_token: number }>,
    revoke: async (token, hint) => {
      const res = await fetch(`${issuer}/token/revocation`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, token_type_hint: hint, client_id: options.clientId, client_secret: options.clientSecret }).toString(),
      });
      if (res.status !== 200) throw new Error(`revocation answered ${res.status}`);
    },
    userinfo: async (accessToken) => (await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } })).status,
    stop: () => child.kill('SIGTERM'),
  };
}

/**
 * A browser at an AUTO_LOGIN server: follows redirects (keeping cookies) from the authorize URL
 * until the provider sends it back to the hub; answers that callback URL.
 */
export async function followToCallback(authorizeUrl: string, callbackPrefix: string): Promise<URL> {
  const jar = new Map<string, string>();
  let url = authorizeUrl;
  for (let hop = 0; hop < 20; hop++) {
    if (url.startsWith(callbackPrefix)) return new URL(url);
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const cookie of res.headers.getSetCookie()) {
      const pair = cookie.split(';')[0];
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq), pair.slice(eq + 1));
    }
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || !location) {
      throw new Error(`the authorization server answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
    url = new URL(location, url).toString();
  }
  throw new Error('too many redirects at the authorization server');
}
