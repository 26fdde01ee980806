import { type AuthTestApp, createUser, createWorkspace, expectCleanError, login, startAuthApp, type TestUser } from '../test/auth-test-app';

/**
 * User A owns WA; user B owns WB. Every workspace and member route called by A with WB's id must
 * answer exactly what it answers for a workspace that does not exist, and leave WB untouched.
 */
describe('tenant isolation of workspace and member routes', () => {
  let t: AuthTestApp;
  let a: TestUser;
  let b: TestUser;
  let aToken: string;
  let bToken: string;
  let wa: { id: string };
  let wb: { id: string; slug: string };
  const MISSING = '3f2a9c4e-0b7d-4e61-9a55-2c8d1e7f6a10';

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startAuthApp();
    [a, b] = await Promise.all([createUser(t), createUser(t)]);
    [aToken, bToken] = await Promise.all([login(t, a), login(t, b)]);
    wa = await createWorkspace(t, aToken);
    wb = await createWorkspace(t, bToken);
  });

  afterAll(async () => {
    await t?.close();
  });

  type Call = (token: string, ws: string) => ReturnType<ReturnType<AuthTestApp['http']>['get']>;
  const routes: [string, Call][] = [
    ['GET /workspaces/:ws', (tk, ws) => t.http().get(`/api/v1/workspaces/${ws}`).set(as(tk))],
    ['PATCH /workspaces/:ws', (tk, ws) => t.http().patch(`/api/v1/workspaces/${ws}`).set(as(tk)).send({ name: 'Hijacked' })],
    ['DELETE /workspaces/:ws', (tk, ws) => t.http().delete(`/api/v1/workspaces/${ws}`).set(as(tk))],
    ['GET /workspaces/:ws/members', (tk, ws) => t.http().get(`/api/v1/workspaces/${ws}/members`).set(as(tk))],
    ['POST /workspaces/:ws/members', (tk, ws) => t.http().post(`/api/v1/workspaces/${ws}/members`).set(as(tk)).send({ email: a.email, role: 'owner' })],
    ['PATCH /workspaces/:ws/members/:userId', (tk, ws) => t.http().patch(`/api/v1/workspaces/${ws}/members/${b.id}`).set(as(tk)).send({ role: 'viewer' })],
    ['DELETE /workspaces/:ws/members/:userId', (tk, ws) => t.http().delete(`/api/v1/workspaces/${ws}/members/${b.id}`).set(as(tk))],
  ];

  describe.each([
    ['a login session', () => aToken],
    ['an unrestricted API token', async () => (await t.http().post('/api/v1/tokens').set(as(aToken)).send({ name: 'all' })).body.token],
    ['an API token limited to WA', async () => (await t.http().post('/api/v1/tokens').set(as(aToken)).send({ name: 'wa', workspaceIds: [wa.id] })).body.token],
  ])('A with %s', (_label, tokenOf) => {
    it.each(routes)("%s with WB's id answers 404 exactly like a missing workspace", async (_route, call) => {
      const token = await tokenOf();
      const theirs = await call(token, wb.id);
      const missing = await call(token, MISSING);
      expectCleanError(theirs, 404, 'WORKSPACE_NOT_FOUND');
      expect(theirs.text).toBe(missing.text);
      expect(theirs.headers['content-type']).toBe(missing.headers['content-type']);
    });
  });

  it("A cannot target B's membership through A's own workspace (404 like a missing member)", async () => {
    const theirs = await t.http().delete(`/api/v1/workspaces/${wa.id}/members/${b.id}`).set(as(aToken));
    const missing = await t.http().delete(`/api/v1/workspaces/${wa.id}/members/${MISSING}`).set(as(aToken));
    expectCleanError(theirs, 404, 'MEMBER_NOT_FOUND');
    expect(theirs.text).toBe(missing.text);
    const patched = await t.http().patch(`/api/v1/workspaces/${wa.id}/members/${b.id}`).set(as(aToken)).send({ role: 'viewer' });
    expect(patched.text).toBe(missing.text);
  });

  it("A cannot mint a token for WB (404 like a missing workspace)", async () => {
    const theirs = await t.http().post('/api/v1/tokens').set(as(aToken)).send({ name: 'x', workspaceIds: [wb.id] });
    const missing = await t.http().post('/api/v1/tokens').set(as(aToken)).send({ name: 'x', workspaceIds: [MISSING] });
    expectCleanError(theirs, 404, 'WORKSPACE_NOT_FOUND');
    expect(theirs.text).toBe(missing.text);
  });

  it("A does not see WB in its lists, and B's workspace is untouched after all of the above", async () => {
    const list = await t.http().get('/api/v1/workspaces').set(as(aToken));
    expect(list.body.items.map((w: { id: string }) => w.id)).toEqual([wa.id]);
    const me = await t.http().get('/api/v1/me').set(as(aToken));
    expect(me.body.workspaces.map((w: { id: string }) => w.id)).toEqual([wa.id]);

    const got = await t.http().get(`/api/v1/workspaces/${wb.id}`).set(as(bToken));
    expect(got.status).toBe(200);
    expect(got.body.name).not.toBe('Hijacked');
    expect(got.body.slug).toBe(wb.slug);
    const members = await t.http().get(`/api/v1/workspaces/${wb.id}/members`).set(as(bToken));
    expect(members.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual([[b.id, 'owner']]);
  });
});
