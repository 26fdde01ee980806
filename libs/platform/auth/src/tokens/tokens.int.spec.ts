import { type AuthTestApp, createUser, createWorkspace, expectCleanError, login, startAuthApp, type TestUser } from '../../test/auth-test-app';

describe('API tokens over HTTP', () => {
  let t: AuthTestApp;
  let alice: TestUser;
  let session: string;
  let wsA: { id: string };
  let wsB: { id: string };

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startAuthApp();
    alice = await createUser(t);
    session = await login(t, alice);
    wsA = await createWorkspace(t, session);
    wsB = await createWorkspace(t, session);
  });

  afterAll(async () => {
    await t?.close();
  });

  it('creates a token shown once, lists it without the secret, and revokes it', async () => {
    const created = await t.http().post('/api/v1/tokens').set(as(session)).send({ name: 'ci deploys' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      token: expect.stringMatching(/^hub_pat_[A-Za-z0-9_-]{43}$/),
      name: 'ci deploys',
      workspaceIds: null,
      role: null,
      createdAt: expect.any(String),
      expiresAt: null,
      lastUsedAt: null,
    });
    const token = created.body.token as string;

    const me = await t.http().get('/api/v1/me').set(as(token));
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(alice.id);

    const list = await t.http().get('/api/v1/tokens').set(as(session));
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(token);
    expect(list.text).not.toContain(token.slice(8));
    const item = list.body.items.find((i: { id: string }) => i.id === created.body.id);
    expect(item).toMatchObject({ name: 'ci deploys', workspaceIds: null, role: null });
    expect(item).not.toHaveProperty('token');
    // Login sessions are not API tokens and are not listed.
    expect(list.body.items.every((i: { name: string }) => i.name !== 'login')).toBe(true);

    const del = await t.http().delete(`/api/v1/tokens/${created.body.id}`).set(as(session));
    expect(del.status).toBe(204);
    expectCleanError(await t.http().get('/api/v1/me').set(as(token)), 401, 'UNAUTHENTICATED');
    const after = await t.http().get('/api/v1/tokens').set(as(session));
    expect(after.body.items.map((i: { id: string }) => i.id)).not.toContain(created.body.id);
    expectCleanError(await t.http().delete(`/api/v1/tokens/${created.body.id}`).set(as(session)), 404, 'TOKEN_NOT_FOUND');
  });

  it("answers 404 for another user's token, a missing one and a non-UUID, with the same body", async () => {
    const bob = await createUser(t);
    const bobSession = await login(t, bob);
    const bobs = await t.http().post('/api/v1/tokens').set(as(bobSession)).send({ name: 'bob script' });
    const others = await t.http().delete(`/api/v1/tokens/${bobs.body.id}`).set(as(session));
    const missing = await t.http().delete('/api/v1/tokens/00000000-0000-4000-8000-000000000000').set(as(session));
    const junk = await t.http().delete('/api/v1/tokens/not-a-uuid').set(as(session));
    expectCleanError(others, 404, 'TOKEN_NOT_FOUND');
    expect(missing.text).toBe(others.text);
    expect(junk.text).toBe(others.text);
    // Bob's token still works, and Alice's list does not show it.
    expect((await t.http().get('/api/v1/me').set(as(bobs.body.token))).status).toBe(200);
    const list = await t.http().get('/api/v1/tokens').set(as(session));
    expect(list.body.items.map((i: { id: string }) => i.id)).not.toContain(bobs.body.id);
  });

  it('paginates the list with limit and cursor', async () => {
    const carol = await createUser(t);
    const carolSession = await login(t, carol);
    for (let i = 0; i < 5; i++) {
      expect((await t.http().post('/api/v1/tokens').set(as(carolSession)).send({ name: `t${i}` })).status).toBe(201);
    }
    const names: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: { name: string }[]; nextCursor: string | null } } = await t.http().get('/api/v1/tokens').query({ limit: 2, ...(cursor ? { cursor } : {}) }).set(as(carolSession));
      expect(res.status).toBe(200);
      names.push(...res.body.items.map((i: { name: string }) => i.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    // Every token exactly once (tokens made within one millisecond are ordered by id).
    expect(names).toHaveLength(5);
    expect([...names].sort()).toEqual(['t0', 't1', 't2', 't3', 't4']);
    expect(pages).toBe(3);
    expectCleanError(await t.http().get('/api/v1/tokens?cursor=garbage').set(as(carolSession)), 400, 'INVALID_CURSOR');
    expectCleanError(await t.http().get('/api/v1/tokens?limit=501').set(as(carolSession)), 400, 'INVALID_CURSOR');
  });

  it('validates the body: unknown field, bad ids, bad role, missing name', async () => {
    for (const body of [{ name: 'x', scopes: ['all'] }, { name: 'x', workspaceIds: ['nope'] }, { name: 'x', role: 'root' }, {}, { name: 5 }]) {
      expectCleanError(await t.http().post('/api/v1/tokens').set(as(session)).send(body), 400, 'VALIDATION_FAILED');
    }
  });

  it('refuses workspaceIds the caller is not a member of (404, like a missing workspace)', async () => {
    const dave = await createUser(t);
    const daveWs = await createWorkspace(t, await login(t, dave));
    const foreign = await t.http().post('/api/v1/tokens').set(as(session)).send({ name: 'x', workspaceIds: [wsA.id, daveWs.id] });
    const missing = await t.http().post('/api/v1/tokens').set(as(session)).send({ name: 'x', workspaceIds: ['00000000-0000-4000-8000-000000000000'] });
    expectCleanError(foreign, 404, 'WORKSPACE_NOT_FOUND');
    expect(missing.text).toBe(foreign.text);
  });

  describe('a token limited to one workspace', () => {
    let limited: string;
    beforeAll(async () => {
      const res = await t.http().post('/api/v1/tokens').set(as(session)).send({ name: 'only A', workspaceIds: [wsA.id] });
      expect(res.body.workspaceIds).toEqual([wsA.id]);
      limited = res.body.token;
    });

    it('sees that workspace and not the other (404, identical to a missing one)', async () => {
      expect((await t.http().get(`/api/v1/workspaces/${wsA.id}`).set(as(limited))).status).toBe(200);
      const other = await t.http().get(`/api/v1/workspaces/${wsB.id}`).set(as(limited));
      const missing = await t.http().get('/api/v1/workspaces/00000000-0000-4000-8000-000000000000').set(as(limited));
      expectCleanError(other, 404, 'WORKSPACE_NOT_FOUND');
      expect(missing.text).toBe(other.text);
      expectCleanError(await t.http().get(`/api/v1/workspaces/${wsB.id}/members`).set(as(limited)), 404, 'WORKSPACE_NOT_FOUND');
    });

    it('lists only that workspace, in /me and in GET /workspaces', async () => {
      const me = await t.http().get('/api/v1/me').set(as(limited));
      expect(me.body.workspaces.map((w: { id: string }) => w.id)).toEqual([wsA.id]);
      const list = await t.http().get('/api/v1/workspaces').set(as(limited));
      expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([wsA.id]);
    });

    it('cannot create a workspace, nor a token for another workspace', async () => {
      expectCleanError(await t.http().post('/api/v1/workspaces').set(as(limited)).send({ name: 'Sneaky' }), 403, 'TOKEN_SCOPE');
      expectCleanError(
        await t.http().post('/api/v1/tokens').set(as(limited)).send({ name: 'wider', workspaceIds: [wsB.id] }),
        404,
        'WORKSPACE_NOT_FOUND',
      );
    });

    it('mints only tokens as narrow as itself', async () => {
      const child = await t.http().post('/api/v1/tokens').set(as(limited)).send({ name: 'child' });
      expect(child.status).toBe(201);
      expect(child.body.workspaceIds).toEqual([wsA.id]);
      expectCleanError(await t.http().get(`/api/v1/workspaces/${wsB.id}`).set(as(child.body.token)), 404, 'WORKSPACE_NOT_FOUND');
    });
  });

  describe('a token capped to viewer', () => {
    let viewer: string;
    beforeAll(async () => {
      const res = await t.http().post('/api/v1/tokens').set(as(session)).send({ name: 'read only', role: 'viewer' });
      expect(res.body.role).toBe('viewer');
      viewer = res.body.token;
    });

    it('reads but cannot write (403 FORBIDDEN_ROLE) although its user owns the workspace', async () => {
      const get = await t.http().get(`/api/v1/workspaces/${wsA.id}`).set(as(viewer));
      expect(get.status).toBe(200);
      expect(get.body.role).toBe('viewer');
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${wsA.id}`).set(as(viewer)).send({ name: 'Renamed' }), 403, 'FORBIDDEN_ROLE');
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${wsA.id}`).set(as(viewer)), 403, 'FORBIDDEN_ROLE');
      expectCleanError(await t.http().post('/api/v1/workspaces').set(as(viewer)).send({ name: 'New' }), 403, 'FORBIDDEN_ROLE');
      const me = await t.http().get('/api/v1/me').set(as(viewer));
      expect(me.body.workspaces.every((w: { role: string }) => w.role === 'viewer')).toBe(true);
    });

    it('cannot mint a token with a higher role', async () => {
      expectCleanError(await t.http().post('/api/v1/tokens').set(as(viewer)).send({ name: 'escalate', role: 'owner' }), 403, 'TOKEN_SCOPE');
      const inherited = await t.http().post('/api/v1/tokens').set(as(viewer)).send({ name: 'inherits' });
      expect(inherited.status).toBe(201);
      expect(inherited.body.role).toBe('viewer');
    });
  });
});
