import { z } from 'zod';

/**
 * OAuth 2.0 providers as data. Each entry is validated at boot; client ids and secrets come from
 * env (`HUB_OAUTH_<ID>_CLIENT_ID`, `HUB_OAUTH_<ID>_CLIENT_SECRET`). A provider without a client
 * id is simply not offered. `state` and PKCE S256 are not options: the schema only accepts them on.
 */
const providerSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/),
  name: z.string().min(1),
  authorizationUrl: z.url({ protocol: /^https?$/ }),
  tokenUrl: z.url({ protocol: /^https?$/ }),
  scopes: z.array(z.string().min(1)),
  /** Extra authorize parameters, e.g. `prompt=consent` for servers that only then issue refresh tokens. */
  authorizeParams: z.record(z.string(), z.string()),
  /** Token response fields kept as non-secret credential metadata (Salesforce's `instance_url`). */
  keepTokenFields: z.array(z.string()),
  /**
   * When set, a connection may name its own login URL (Salesforce sandboxes and My Domain): it
   * replaces the origin of both URLs and must match this pattern.
   */
  loginUrlPattern: z.instanceof(RegExp).optional(),
  state: z.literal(true),
  pkce: z.literal('S256'),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Absolute, from HUB_PUBLIC_URL: `<public url>/oauth/<id>/callback`. */
  callbackUrl: z.url({ protocol: /^https?$/ }),
});
export type OAuthProvider = z.infer<typeof providerSchema>;

/** Injection token of the configured providers (`Map<id, OAuthProvider>`), loaded once at boot. */
export const OAUTH_PROVIDERS = Symbol('OAUTH_PROVIDERS');

type ProviderData = Omit<OAuthProvider, 'clientId' | 'clientSecret' | 'callbackUrl' | 'state' | 'pkce'>;

/** Where the variables come from: the validated config (`HubEnv`) or, in tests, a plain record. */
export type OAuthEnv = Readonly<Record<string, unknown>>;

const str = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** The built-in providers. `generic` is filled from env so any OAuth 2.0 server can be used. */
function providerData(env: OAuthEnv): ProviderData[] {
  const list = (value: unknown, sep: RegExp) => (str(value) ?? '').split(sep).map((s) => s.trim()).filter(Boolean);
  return [
    {
      id: 'salesforce',
      name: 'Salesforce',
      authorizationUrl: 'https://login.salesforce.com/services/oauth2/authorize',
      tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
      scopes: ['api', 'refresh_token'],
      authorizeParams: {},
      // No expires_in: Salesforce answers 401 when the token expired (PROTOCOLS.md).
      keepTokenFields: ['instance_url', 'id', 'issued_at', 'scope', 'token_type'],
      loginUrlPattern: /^https:\/\/([a-z0-9-]+\.)*(salesforce\.com|force\.com)$/i,
    },
    {
      id: 'generic',
      name: str(env.HUB_OAUTH_GENERIC_NAME) ?? 'OAuth 2.0',
      authorizationUrl: str(env.HUB_OAUTH_GENERIC_AUTHORIZE_URL) ?? '',
      tokenUrl: str(env.HUB_OAUTH_GENERIC_TOKEN_URL) ?? '',
      scopes: list(env.HUB_OAUTH_GENERIC_SCOPES, /[\s,]+/),
      authorizeParams: Object.fromEntries(new URLSearchParams(str(env.HUB_OAUTH_GENERIC_AUTHORIZE_PARAMS) ?? '')),
      keepTokenFields: list(env.HUB_OAUTH_GENERIC_KEEP_FIELDS, /,/),
    },
  ];
}

export class OAuthConfigError extends Error {
  constructor(readonly problems: string[]) {
    super('Invalid OAuth provider configuration:\n' + problems.map((p) => `  - ${p}`).join('\n'));
    this.name = 'OAuthConfigError';
  }
}

/** The configured providers by id. Throws `OAuthConfigError` naming each bad variable (never a value). */
export function loadOAuthProviders(env: OAuthEnv, publicUrl: string): Map<string, OAuthProvider> {
  const providers = new Map<string, OAuthProvider>();
  const problems: string[] = [];
  const base = publicUrl.replace(/\/+$/, '');
  for (const data of providerData(env)) {
    const prefix = `HUB_OAUTH_${data.id.toUpperCase().replace(/-/g, '_')}`;
    const clientId = str(env[`${prefix}_CLIENT_ID`]);
    if (!clientId) continue;
    const parsed = providerSchema.safeParse({
      ...data,
      state: true,
      pkce: 'S256',
      clientId,
      clientSecret: str(env[`${prefix}_CLIENT_SECRET`]),
      callbackUrl: `${base}/oauth/${data.id}/callback`,
    });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0]);
        const variable =
          field === 'clientSecret'
            ? `${prefix}_CLIENT_SECRET`
            : field === 'authorizationUrl'
              ? `${prefix}_AUTHORIZE_URL`
              : field === 'tokenUrl'
                ? `${prefix}_TOKEN_URL`
                : `${data.id}.${field}`;
        const message =
          field === 'clientSecret'
            ? `is required when ${prefix}_CLIENT_ID is set`
            : field === 'authorizationUrl' || field === 'tokenUrl'
              ? `must be an http(s) URL of the provider (required when ${prefix}_CLIENT_ID is set)`
              : issue.message;
        problems.push(`${variable}: ${message}`);
      }
      continue;
    }
    providers.set(data.id, parsed.data);
  }
  if (problems.length) throw new OAuthConfigError(problems);
  assertStateAndPkce(providers.values());
  return providers;
}

/** Boot-time guard: the connect flow never runs without `state` and PKCE S256. */
export function assertStateAndPkce(providers: Iterable<Pick<OAuthProvider, 'id' | 'state' | 'pkce'>>): void {
  for (const p of providers) {
    if (p.state !== true || p.pkce !== 'S256') throw new OAuthConfigError([`${p.id}: state and PKCE S256 must be on`]);
  }
}

/**
 * For `main.ts`, before the app is built: a bad provider variable stops the process with a
 * message naming it (never its value), like the rest of the configuration.
 */
export function loadOAuthProvidersOrExit(env: OAuthEnv, publicUrl: string): Map<string, OAuthProvider> {
  try {
    return loadOAuthProviders(env, publicUrl);
  } catch (err) {
    if (err instanceof OAuthConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

/**
 * The provider's authorize and token URLs for one connection: a Salesforce sandbox or My Domain
 * login URL (validated against `loginUrlPattern` when the flow started) replaces their origin.
 */
export function providerUrls(provider: OAuthProvider, loginUrl: string | null | undefined): { authorizationUrl: string; tokenUrl: string } {
  const swap = (url: string) => (loginUrl && provider.loginUrlPattern?.test(loginUrl) ? loginUrl + new URL(url).pathname : url);
  return { authorizationUrl: swap(provider.authorizationUrl), tokenUrl: swap(provider.tokenUrl) };
}
