import { createHash } from 'node:crypto';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { type AuthTestApp, createUser, expectCleanError, login, startAuthApp, type TestUser } from '../test/auth-test-app';

describe('admin auth over HTTP', () => {
  let t: AuthTestApp;
  let user: TestUser;

  beforeAll(async () => {
    t = await startAuthApp();
    user = await createUser(t);
  });

  afterAll(async () => {
    await t?.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  describe('POST /api/v1/auth/login', () => {
    it('answers a session token and its expiry (HUB_SESSION_TTL_HOURS) for the right password', async () => {
      const before = Date.now();
      const res = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: user.password });
      expect(res.status).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['expiresAt', 'token']);
      expect(res.body.token).toMatch(/^hub_s_[A-Za-z0-9_-]{43}$/);
      const ttl = Date.parse(res.body.expiresAt) - before;
      expect(ttl).toBeGreaterThan(2 * 3_600_000 - 60_000);
      expect(ttl).toBeLessThanOrEqual(2 * 3_600_000 + 60_000);
    });

    it('stores only the SHA-256 of the token', async () => {
      const token = await login(t, user);
      const rows = await t.db.query(`SELECT token_hash FROM api_tokens WHERE token_hash = $1`, [createHash('sha256').update(token).digest()]);
      expect(rows).toHaveLength(1);
      const leaked = await t.db.query(`SELECT count(*)::int AS n FROM api_tokens t WHERE row_to_json(t)::text LIKE '%' || $1 || '%'`, [token.slice(6)]);
      expect(leaked[0].n).toBe(0);
    });

    it('matches the email case-insensitively and records the login', async () => {
      const res = await t.http().post('/api/v1/auth/login').send({ email: `  ${user.email.toUpperCase()} `, password: user.password });
      expect(res.status).toBe(200);
      const [row] = await t.db.query('SELECT last_login_at FROM admin_users WHERE id = $1', [user.id]);
      expect(row.last_login_at).toBeInstanceOf(Date);
    });

    it('answers a wrong password and an unknown email with the identical 401 body', async () => {
      const wrong = await t.http().post('/api/v1/auth/login').send({ email: user.email, password: 'not the password' });
      const unknown = await t.http().post('/api/v1/auth/login').send({ email: 'nobody-here@example.test', password: 'not the password' });
      expectCleanError(wrong, 401, 'INVALID_CREDENTIALS');
      expect(unknown.status).toBe(401);
      expect(unknown.text).toBe(wrong.text);
      expect(wrong.text).not.toContain('not the password');
    });

    it.each([
      ['missing password', { email: 'a@example.test' }],
      ['missing email', { password: 'x' }],
      ['empty body', {}],
      ['wrong types', { email: 42, password: true }],
      ['an unknown field', { email: 'a@example.test', password: 'x', rememberMe: true }],
      ['a __proto__ key', JSON.parse('{"email":"a@example.test","password":"x","__proto__":{"admin":true}}')],
      ['an array', [{ email: 'a@example.test', password: 'x' }]],
    ])('answers 400 VALIDATION_FAILED before passport-local for %s', async (_label, body) => {
      const res = await t.http().post('/api/v1/auth/login').send(body);
      expectCleanError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.fields).toEqual(expect.any(Array));
    });

    it('answers 400 for malformed JSON', async () => {
      const res = await t.http().post('/api/v1/auth/login').set('content-type', 'application/json').send('{"email": "a@example.test", "password": ');
      expectCleanError(res, 400, 'MALFORMED_JSON');
    });

    it('answers 400 for a body that is not JSON at all', async () => {
      const res = await t.http().post('/api/v1/auth/login');
      expectCleanError(res, 400, 'VALIDATION_FAILED');
    });

    it('ignores credentials in the query string', async () => {
      const res = await t.http().post(`/api/v1/auth/login?email=${encodeURIComponent(user.email)}&password=${encodeURIComponent(user.password)}`).send({});
      expectCleanError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('bearer tokens on every other route', () => {
    it('lets a valid token through to /me', async () => {
      const token = await login(t, user);
      const res = await t.http().get('/api/v1/me').set(bearer(token));
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ id: user.id, email: user.email, isInstanceAdmin: false, workspaces: [] });
    });

    it('puts the principal on the request for other modules', async () => {
      const token = await login(t, user);
      const res = await t.http().get('/test/private').set(bearer(token));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ userId: user.id, email: user.email, tokenKind: 'session', tokenWorkspaceIds: null, tokenRole: null });
    });

    it('leaves @Public() routes open', async () => {
      const res = await t.http().get('/test/public');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ ok: true });
    });

    it('answers 401 in the API shape (not passport text) without a token, with a Bearer challenge', async () => {
      for (const path of ['/api/v1/me', '/test/private', '/api/v1/workspaces', '/api/v1/tokens']) {
        const res = await t.http().get(path);
        expectCleanError(res, 401, 'UNAUTHENTICATED');
        expect(res.headers['www-authenticate']).toBe('Bearer realm="hub"');
      }
    });

    it.each([
      ['junk', 'Bearer junk'],
      ['a well-formed but unknown token', `Bearer hub_s_${'A'.repeat(43)}`],
      ['another scheme', 'Basic dXNlcjpwYXNz'],
      ['three parts', 'Bearer a b'],
      ['an empty bearer', 'Bearer '],
    ])('answers 401 for %s', async (_label, header) => {
      const res = await t.http().get('/api/v1/me').set('authorization', header);
      expectCleanError(res, 401, 'UNAUTHENTICATED');
    });

    it('never takes a token from the URL or the body (they leak into logs)', async () => {
      const token = await login(t, user);
      expectCleanError(await t.http().get(`/api/v1/me?access_token=${token}`), 401, 'UNAUTHENTICATED');
      expectCleanError(await t.http().post('/api/v1/auth/logout').send({ access_token: token }), 401, 'UNAUTHENTICATED');
    });

    it('answers 401 for an expired token, with the same body as junk', async () => {
      const token = await login(t, user);
      expect((await t.http().get('/api/v1/me').set(bearer(token))).status).toBe(200);
      await t.db.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1`, [
        createHash('sha256').update(token).digest(),
      ]);
      const expired = await t.http().get('/api/v1/me').set(bearer(token));
      const junk = await t.http().get('/api/v1/me').set(bearer('junk'));
      expectCleanError(expired, 401, 'UNAUTHENTICATED');
      expect(expired.text).toBe(junk.text);
    });

    it('logout revokes the calling token only', async () => {
      const first = await login(t, user);
      const second = await login(t, user);
      const res = await t.http().post('/api/v1/auth/logout').set(bearer(first));
      expect(res.status).toBe(204);
      expectCleanError(await t.http().get('/api/v1/me').set(bearer(first)), 401, 'UNAUTHENTICATED');
      expectCleanError(await t.http().post('/api/v1/auth/logout').set(bearer(first)), 401, 'UNAUTHENTICATED');
      expect((await t.http().get('/api/v1/me').set(bearer(second))).status).toBe(200);
    });

    it('writes last_used_at at most once a minute per token', async () => {
      const token = await login(t, user);
      const hash = createHash('sha256').update(token).digest();
      const lastUsed = async () => (await t.db.query('SELECT last_used_at FROM api_tokens WHERE token_hash = $1', [hash]))[0].last_used_at as Date | null;
      expect(await lastUsed()).toBeNull();
      await t.http().get('/api/v1/me').set(bearer(token));
      const first = await lastUsed();
      expect(first).toBeInstanceOf(Date);
      await Promise.all([1, 2, 3].map(() => t.http().get('/api/v1/me').set(bearer(token))));
      expect((await lastUsed())?.getTime()).toBe(first?.getTime());
      // Pretend the last use was two minutes ago: the next request records a new time.
      await t.db.query(`UPDATE api_tokens SET last_used_at = now() - interval '2 minutes' WHERE token_hash = $1`, [hash]);
      const aged = (await lastUsed()) as Date;
      await t.http().get('/api/v1/me').set(bearer(token));
      expect(((await lastUsed()) as Date).getTime()).toBeGreaterThan(aged.getTime());
    });
  });

  describe('POST /api/v1/me/password', () => {
    it('changes the password, keeps the current session and ends the others', async () => {
      const someone = await createUser(t);
      const current = await login(t, someone);
      const other = await login(t, someone);
      const wrong = await t.http().post('/api/v1/me/password').set(bearer(current)).send({ currentPassword: 'nope', newPassword: 'a brand new password' });
      expectCleanError(wrong, 400, 'WRONG_PASSWORD');
      const short = await t.http().post('/api/v1/me/password').set(bearer(current)).send({ currentPassword: someone.password, newPassword: 'short' });
      expectCleanError(short, 400, 'VALIDATION_FAILED');
      const res = await t.http().post('/api/v1/me/password').set(bearer(current)).send({ currentPassword: someone.password, newPassword: 'a brand new password' });
      expect(res.status).toBe(204);
      expect((await t.http().get('/api/v1/me').set(bearer(current))).status).toBe(200);
      expect((await t.http().get('/api/v1/me').set(bearer(other))).status).toBe(401);
      expect((await t.http().post('/api/v1/auth/login').send({ email: someone.email, password: someone.password })).status).toBe(401);
      expect((await t.http().post('/api/v1/auth/login').send({ email: someone.email, password: 'a brand new password' })).status).toBe(200);
    });

    it('is refused with an API token', async () => {
      const session = await login(t, user);
      const created = await t.http().post('/api/v1/tokens').set(bearer(session)).send({ name: 'script' });
      const res = await t.http().post('/api/v1/me/password').set(bearer(created.body.token)).send({ currentPassword: user.password, newPassword: 'a brand new password' });
      expectCleanError(res, 403, 'TOKEN_SCOPE');
    });
  });

  it('describes its routes in the OpenAPI document', () => {
    const doc = SwaggerModule.createDocument(t.app, new DocumentBuilder().addBearerAuth().build());
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/auth/login',
        '/api/v1/auth/logout',
        '/api/v1/me',
        '/api/v1/tokens',
        '/api/v1/tokens/{id}',
        '/api/v1/workspaces',
        '/api/v1/workspaces/{ws}',
        '/api/v1/workspaces/{ws}/members',
        '/api/v1/workspaces/{ws}/members/{userId}',
        '/api/v1/users',
      ]),
    );
    const login = doc.paths['/api/v1/auth/login'].post;
    expect(login?.tags).toEqual(['auth']);
    expect(JSON.stringify(login?.requestBody)).toContain('"additionalProperties":false');
    expect(login?.security).toBeUndefined();
    expect(doc.paths['/api/v1/me'].get?.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/api/v1/workspaces'].post?.summary).toEqual(expect.any(String));
  });
});
