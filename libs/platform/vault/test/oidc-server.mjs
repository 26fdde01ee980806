// A real, standards-compliant OAuth 2.0 / OpenID Connect authorization server (oidc-provider)
// for the vault's connect-flow tests, run as a child process (it is an ES module). Prints one
// JSON line `{"issuer": ...}` once listening. Login and consent use oidc-provider's own
// development interactions (any login name is accepted).
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, INSTANCE_URL } = process.env;

let handler = (_req, res) => res.writeHead(503).end();
const server = createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    pkce: { methods: ['S256'], required: () => true },
    scopes: ['openid', 'offline_access'],
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub }) }),
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 600, RefreshToken: 86400 },
  });
  // Like Salesforce, answer an extra token field the hub must keep as metadata.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body && typeof ctx.body === 'object' && ctx.body.access_token && INSTANCE_URL) {
      ctx.body = { ...ctx.body, instance_url: INSTANCE_URL };
    }
  });
  handler = provider.callback();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
