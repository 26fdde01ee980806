// A real, standards-compliant OAuth 2.0 / OpenID Connect authorization server (oidc-provider)
// for the vault's connect-flow and refresh tests, run as a child process (it is an ES module).
// Prints one JSON line `{"issuer": ...}` once listening.
//
// Env: CLIENT_ID, CLIENT_SECRET, REDIRECT_URI; optional
//   INSTANCE_URL       added to token responses, as Salesforce's `instance_url` ("self": the issuer)
//   AUTO_LOGIN=1       login ("alice") and consent finish on their own: a test browser only
//                      follows redirects (otherwise oidc-provider's dev login and consent forms)
//   ROTATE_REFRESH=1   every refresh issues a new refresh token; reusing an old one revokes the
//                      grant (oidc-provider's reuse detection), as Salesforce's rotation does
//   NO_EXPIRES_IN=1    token responses carry no `expires_in`, as Salesforce's do
//   TOKEN_DELAY_MS     delay answers of the refresh_token grant (widens race windows)
// GET /__test/counts answers how many token requests each grant type received.
import { createServer } from 'node:http';
import Provider from 'oidc-provider';

const { CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, INSTANCE_URL, AUTO_LOGIN, ROTATE_REFRESH, NO_EXPIRES_IN, TOKEN_DELAY_MS } = process.env;
const counts = { authorization_code: 0, refresh_token: 0 };

let handler = (_req, res) => res.writeHead(503).end();
const server = createServer((req, res) => handler(req, res));
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const instanceUrl = INSTANCE_URL === 'self' ? issuer : INSTANCE_URL;
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
    features: { devInteractions: { enabled: !AUTO_LOGIN }, revocation: { enabled: true } },
    ...(ROTATE_REFRESH ? { rotateRefreshToken: true } : {}),
    cookies: { keys: ['oidc-test-cookie-key'] },
    ttl: { AccessToken: 3600, AuthorizationCode: 60, Interaction: 600, Session: 600, Grant: 86400, RefreshToken: 86400 },
  });
  provider.use(async (ctx, next) => {
    if (ctx.path === '/token' && ctx.method === 'POST' && TOKEN_DELAY_MS) {
      await new Promise((r) => setTimeout(r, Number(TOKEN_DELAY_MS)));
    }
    await next();
    if (ctx.path === '/token' && ctx.method === 'POST') {
      const grant = ctx.oidc?.params?.grant_type;
      if (grant in counts) counts[grant] += 1;
      if (ctx.body && typeof ctx.body === 'object' && ctx.body.access_token) {
        // Like Salesforce: an extra token field the hub must keep as metadata, and maybe no expiry.
        const body = { ...ctx.body, ...(instanceUrl ? { instance_url: instanceUrl } : {}) };
        if (NO_EXPIRES_IN) delete body.expires_in;
        ctx.body = body;
      }
    }
  });
  const callback = provider.callback();
  handler = async (req, res) => {
    try {
      if (req.url === '/__test/counts') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(counts));
        return;
      }
      if (AUTO_LOGIN && req.url.startsWith('/interaction/')) {
        await finishInteraction(provider, req, res);
        return;
      }
      callback(req, res);
    } catch (err) {
      res.writeHead(500).end(String(err && err.message));
    }
  };
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

/** Logs "alice" in, then consents to everything asked (openid offline_access), without a page. */
async function finishInteraction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  if (details.prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
    return;
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
  const missing = details.prompt.details.missingOIDCScope;
  if (missing) grant.addOIDCScope(missing.join(' '));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

process.on('SIGTERM', () => server.close(() => process.exit(0)));
