import { WorkspaceAccessService } from '../workspaces/workspace-access.service';
import {
  type AuthTestApp,
  createUser,
  createWorkspace,
  expectCleanError,
  login,
  startAuthApp,
  type TestUser,
  unique,
} from '../../test/auth-test-app';
import type { Principal } from '../principal';

describe('workspaces and members over HTTP', () => {
  let t: AuthTestApp;
  let owner: TestUser;
  let ownerToken: string;

  const as = (token: string) => ({ authorization: `Bearer ${token}` });

  beforeAll(async () => {
    t = await startAuthApp();
    owner = await createUser(t);
    ownerToken = await login(t, owner);
  });

  afterAll(async () => {
    await t?.close();
  });

  describe('workspaces', () => {
    it('creates, reads, renames, lists and deletes', async () => {
      const slug = unique('acme');
      const created = await t.http().post('/api/v1/workspaces').set(as(ownerToken)).send({ name: '  Acme Corp ', slug });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        name: 'Acme Corp',
        slug,
        role: 'owner',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      const id = created.body.id as string;

      const got = await t.http().get(`/api/v1/workspaces/${id}`).set(as(ownerToken));
      expect(got.status).toBe(200);
      expect(got.body).toEqual(created.body);
      // Ids are case-insensitive UUIDs.
      expect((await t.http().get(`/api/v1/workspaces/${id.toUpperCase()}`).set(as(ownerToken))).body.id).toBe(id);

      const renamed = await t.http().patch(`/api/v1/workspaces/${id}`).set(as(ownerToken)).send({ name: 'Acme Inc', slug: `${slug}-inc` });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toMatchObject({ id, name: 'Acme Inc', slug: `${slug}-inc`, role: 'owner' });
      expect(Date.parse(renamed.body.updatedAt)).toBeGreaterThanOrEqual(Date.parse(created.body.updatedAt));

      const list = await t.http().get('/api/v1/workspaces').set(as(ownerToken));
      expect(list.status).toBe(200);
      expect(list.body.items.map((w: { id: string }) => w.id)).toContain(id);
      expect(list.body).toHaveProperty('nextCursor');

      const me = await t.http().get('/api/v1/me').set(as(ownerToken));
      expect(me.body.workspaces).toContainEqual({ id, name: 'Acme Inc', slug: `${slug}-inc`, role: 'owner' });

      expect((await t.http().delete(`/api/v1/workspaces/${id}`).set(as(ownerToken))).status).toBe(204);
      expectCleanError(await t.http().get(`/api/v1/workspaces/${id}`).set(as(ownerToken)), 404, 'WORKSPACE_NOT_FOUND');
      const [{ n }] = await t.db.query('SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1', [id]);
      expect(n).toBe(0);
    });

    it('derives the slug from the name, and suffixes a derived slug that is taken', async () => {
      const name = `Growth & Marketing ${unique('x')}`;
      const first = await t.http().post('/api/v1/workspaces').set(as(ownerToken)).send({ name });
      expect(first.status).toBe(201);
      expect(first.body.slug).toMatch(/^growth-marketing-x-[0-9a-f]{8}$/);
      const second = await t.http().post('/api/v1/workspaces').set(as(ownerToken)).send({ name });
      expect(second.status).toBe(201);
      expect(second.body.slug).toMatch(new RegExp(`^${first.body.slug}-[0-9a-f]{6}$`));
    });

    it('answers 409 SLUG_TAKEN for an explicit slug that is taken, on create and on rename', async () => {
      const slug = unique('taken');
      expect((await t.http().post('/api/v1/workspaces').set(as(ownerToken)).send({ name: 'One', slug })).status).toBe(201);
      const other = await createUser(t);
      const clash = await t.http().post('/api/v1/workspaces').set(as(await login(t, other))).send({ name: 'Two', slug });
      expectCleanError(clash, 409, 'SLUG_TAKEN');
      const mine = await createWorkspace(t, ownerToken);
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${mine.id}`).set(as(ownerToken)).send({ slug }), 409, 'SLUG_TAKEN');
    });

    it.each([
      ['unknown field', { name: 'x', plan: 'pro' }],
      ['missing name', {}],
      ['bad slug', { name: 'x', slug: 'Not A Slug' }],
      ['too short slug', { name: 'x', slug: 'a' }],
      ['wrong type', { name: ['x'] }],
    ])('answers 400 for %s', async (_label, body) => {
      expectCleanError(await t.http().post('/api/v1/workspaces').set(as(ownerToken)).send(body), 400, 'VALIDATION_FAILED');
    });

    it('answers 400 for an empty PATCH and for malformed JSON', async () => {
      const ws = await createWorkspace(t, ownerToken);
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(ownerToken)).send({}), 400, 'VALIDATION_FAILED');
      expectCleanError(
        await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(ownerToken)).set('content-type', 'application/json').send('{"name":'),
        400,
        'MALFORMED_JSON',
      );
    });

    it.each(['not-a-uuid', '123', "1' OR '1'='1", '00000000-0000-0000-0000-00000000000g'])(
      'answers 404 WORKSPACE_NOT_FOUND (never 400/500) for the id %j',
      async (ws) => {
        const path = `/api/v1/workspaces/${encodeURIComponent(ws)}`;
        const missing = await t.http().get('/api/v1/workspaces/00000000-0000-4000-8000-000000000000').set(as(ownerToken));
        for (const res of [
          await t.http().get(path).set(as(ownerToken)),
          await t.http().patch(path).set(as(ownerToken)).send({ name: 'x' }),
          await t.http().delete(path).set(as(ownerToken)),
          await t.http().get(`${path}/members`).set(as(ownerToken)),
        ]) {
          expectCleanError(res, 404, 'WORKSPACE_NOT_FOUND');
          expect(res.text).toBe(missing.text);
        }
      },
    );

    it('lists workspaces page by page', async () => {
      const paul = await createUser(t);
      const token = await login(t, paul);
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await createWorkspace(t, token)).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await t.http().get('/api/v1/workspaces').query({ limit: 1, ...(cursor ? { cursor } : {}) }).set(as(token));
        expect(res.body.items).toHaveLength(1);
        seen.push(res.body.items[0].id);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect([...seen].sort()).toEqual([...ids].sort());
    });
  });

  describe('members and roles', () => {
    let ws: { id: string };
    let admin: TestUser;
    let viewer: TestUser;
    let adminToken: string;
    let viewerToken: string;

    beforeAll(async () => {
      ws = await createWorkspace(t, ownerToken);
      admin = await createUser(t);
      viewer = await createUser(t);
      adminToken = await login(t, admin);
      viewerToken = await login(t, viewer);
    });

    it('owners add existing users by email (case-insensitive) and everyone lists them', async () => {
      const add = await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email: admin.email.toUpperCase(), role: 'admin' });
      expect(add.status).toBe(201);
      expect(add.body).toEqual({ userId: admin.id, email: admin.email, role: 'admin', createdAt: expect.any(String) });
      expect(
        (await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email: viewer.email, role: 'viewer' })).status,
      ).toBe(201);

      const list = await t.http().get(`/api/v1/workspaces/${ws.id}/members`).set(as(viewerToken));
      expect(list.status).toBe(200);
      expect(list.body.nextCursor).toBeNull();
      expect(list.body.items.map((m: { userId: string; role: string }) => [m.userId, m.role])).toEqual(
        expect.arrayContaining([
          [owner.id, 'owner'],
          [admin.id, 'admin'],
          [viewer.id, 'viewer'],
        ]),
      );
      expect(list.body.items).toHaveLength(3);
      expect(list.text).not.toMatch(/password/i);

      const viewerMe = await t.http().get('/api/v1/me').set(as(viewerToken));
      expect(viewerMe.body.workspaces).toContainEqual(expect.objectContaining({ id: ws.id, role: 'viewer' }));
    });

    it('answers 404 USER_NOT_FOUND for an email no user has, and 409 for an existing member', async () => {
      expectCleanError(
        await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email: 'ghost@example.test', role: 'viewer' }),
        404,
        'USER_NOT_FOUND',
      );
      expectCleanError(
        await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email: admin.email, role: 'viewer' }),
        409,
        'MEMBER_EXISTS',
      );
    });

    it('validates member bodies', async () => {
      for (const body of [{ email: admin.email }, { email: admin.email, role: 'root' }, { email: admin.email, role: 'viewer', extra: 1 }]) {
        expectCleanError(await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send(body), 400, 'VALIDATION_FAILED');
      }
    });

    it('viewers read but cannot write (403 FORBIDDEN_ROLE)', async () => {
      expect((await t.http().get(`/api/v1/workspaces/${ws.id}`).set(as(viewerToken))).status).toBe(200);
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(viewerToken)).send({ name: 'x' }), 403, 'FORBIDDEN_ROLE');
      expectCleanError(
        await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(viewerToken)).send({ email: viewer.email, role: 'owner' }),
        403,
        'FORBIDDEN_ROLE',
      );
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`).set(as(viewerToken)), 403, 'FORBIDDEN_ROLE');
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}`).set(as(viewerToken)), 403, 'FORBIDDEN_ROLE');
    });

    it('admins rename but neither manage members nor delete the workspace', async () => {
      const res = await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(adminToken)).send({ name: 'Renamed by admin' });
      expect(res.status).toBe(200);
      expect(res.body.role).toBe('admin');
      expectCleanError(
        await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(adminToken)).send({ email: viewer.email, role: 'admin' }),
        403,
        'FORBIDDEN_ROLE',
      );
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`).set(as(adminToken)).send({ role: 'admin' }), 403, 'FORBIDDEN_ROLE');
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}`).set(as(adminToken)), 403, 'FORBIDDEN_ROLE');
    });

    it('owners change roles; the change takes effect on the next request', async () => {
      const res = await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`).set(as(ownerToken)).send({ role: 'admin' });
      expect(res.status).toBe(200);
      expect(res.body.role).toBe('admin');
      expect((await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(viewerToken)).send({ name: 'Now I can' })).status).toBe(200);
      await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`).set(as(ownerToken)).send({ role: 'viewer' });
      expectCleanError(await t.http().patch(`/api/v1/workspaces/${ws.id}`).set(as(viewerToken)).send({ name: 'x' }), 403, 'FORBIDDEN_ROLE');
    });

    it('keeps at least one owner: the last owner cannot leave or be demoted (409 LAST_OWNER)', async () => {
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${owner.id}`).set(as(ownerToken)), 409, 'LAST_OWNER');
      expectCleanError(
        await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${owner.id}`).set(as(ownerToken)).send({ role: 'admin' }),
        409,
        'LAST_OWNER',
      );
      // With a second owner, the first may step down.
      await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${admin.id}`).set(as(ownerToken)).send({ role: 'owner' });
      const demote = await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${owner.id}`).set(as(ownerToken)).send({ role: 'admin' });
      expect(demote.status).toBe(200);
      // Now only `admin` owns it, and the former owner can no longer manage members.
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${admin.id}`).set(as(adminToken)), 409, 'LAST_OWNER');
      expectCleanError(await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${viewer.id}`).set(as(ownerToken)), 403, 'FORBIDDEN_ROLE');
      // Restore.
      expect((await t.http().patch(`/api/v1/workspaces/${ws.id}/members/${owner.id}`).set(as(adminToken)).send({ role: 'owner' })).status).toBe(200);
    });

    it('two owners demoting each other at once leave one owner, never zero', async () => {
      const w = await createWorkspace(t, ownerToken);
      const co = await createUser(t);
      const coToken = await login(t, co);
      await t.http().post(`/api/v1/workspaces/${w.id}/members`).set(as(ownerToken)).send({ email: co.email, role: 'owner' });
      const results = await Promise.all([
        t.http().patch(`/api/v1/workspaces/${w.id}/members/${co.id}`).set(as(ownerToken)).send({ role: 'viewer' }),
        t.http().patch(`/api/v1/workspaces/${w.id}/members/${owner.id}`).set(as(coToken)).send({ role: 'viewer' }),
      ]);
      const statuses = results.map((r) => r.status).sort();
      // One wins; the other finds itself demoted (403) or the last owner (409).
      expect(statuses[0]).toBe(200);
      expect([403, 409]).toContain(statuses[1]);
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [w.id]);
      expect(n).toBe(1);
    });

    it('a role change waits for a concurrent one in the same workspace, then sees it (no zero-owner race)', async () => {
      const w = await createWorkspace(t, ownerToken);
      const co = await createUser(t);
      await t.http().post(`/api/v1/workspaces/${w.id}/members`).set(as(ownerToken)).send({ email: co.email, role: 'owner' });
      // Another request is mid-change: it holds the workspace lock and has demoted `co`, uncommitted.
      const other = t.db.createQueryRunner();
      await other.connect();
      try {
        await other.startTransaction();
        await other.query('SELECT 1 FROM workspaces WHERE id = $1 FOR UPDATE', [w.id]);
        await other.query(`UPDATE workspace_members SET role = 'viewer' WHERE workspace_id = $1 AND user_id = $2`, [w.id, co.id]);
        let settled = false;
        const demoteOwner = t
          .http()
          .patch(`/api/v1/workspaces/${w.id}/members/${owner.id}`)
          .set(as(ownerToken))
          .send({ role: 'viewer' })
          .then((res) => {
            settled = true;
            return res;
          });
        await new Promise((resolve) => setTimeout(resolve, 500));
        expect(settled).toBe(false);
        await other.commitTransaction();
        expectCleanError(await demoteOwner, 409, 'LAST_OWNER');
      } finally {
        if (other.isTransactionActive) await other.rollbackTransaction();
        await other.release();
      }
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM workspace_members WHERE workspace_id = $1 AND role = 'owner'`, [w.id]);
      expect(n).toBe(1);
    });

    it('removes members; unknown or non-UUID user ids are 404 MEMBER_NOT_FOUND', async () => {
      const temp = await createUser(t);
      await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email: temp.email, role: 'viewer' });
      const tempToken = await login(t, temp);
      expect((await t.http().get(`/api/v1/workspaces/${ws.id}`).set(as(tempToken))).status).toBe(200);
      expect((await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${temp.id}`).set(as(ownerToken))).status).toBe(204);
      expectCleanError(await t.http().get(`/api/v1/workspaces/${ws.id}`).set(as(tempToken)), 404, 'WORKSPACE_NOT_FOUND');
      const again = await t.http().delete(`/api/v1/workspaces/${ws.id}/members/${temp.id}`).set(as(ownerToken));
      expectCleanError(again, 404, 'MEMBER_NOT_FOUND');
      expect((await t.http().delete(`/api/v1/workspaces/${ws.id}/members/nope`).set(as(ownerToken))).text).toBe(again.text);
      expect((await t.http().patch(`/api/v1/workspaces/${ws.id}/members/nope`).set(as(ownerToken)).send({ role: 'admin' })).text).toBe(again.text);
    });
  });

  describe('instance admins', () => {
    it('create hub users, who can then be added as members; others cannot (403)', async () => {
      const root = await createUser(t, { instanceAdmin: true });
      const rootToken = await login(t, root);
      const email = `${unique('new')}@example.test`;
      const created = await t.http().post('/api/v1/users').set(as(rootToken)).send({ email, password: 'a long enough password' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: expect.any(String), email, isInstanceAdmin: false, createdAt: expect.any(String), lastLoginAt: null });
      expect(created.text).not.toContain('a long enough password');
      expectCleanError(await t.http().post('/api/v1/users').set(as(rootToken)).send({ email: email.toUpperCase(), password: 'another long password' }), 409, 'EMAIL_TAKEN');
      expectCleanError(await t.http().post('/api/v1/users').set(as(rootToken)).send({ email, password: 'short' }), 400, 'VALIDATION_FAILED');
      expectCleanError(await t.http().post('/api/v1/users').set(as(ownerToken)).send({ email: `${unique('x')}@example.test`, password: 'a long enough password' }), 403, 'INSTANCE_ADMIN_REQUIRED');
      expectCleanError(await t.http().get('/api/v1/users').set(as(ownerToken)), 403, 'INSTANCE_ADMIN_REQUIRED');
      const list = await t.http().get('/api/v1/users').query({ limit: 500 }).set(as(rootToken));
      expect(list.status).toBe(200);
      expect(list.text).not.toMatch(/password/i);

      const newToken = (await t.http().post('/api/v1/auth/login').send({ email, password: 'a long enough password' })).body.token;
      const ws = await createWorkspace(t, ownerToken);
      await t.http().post(`/api/v1/workspaces/${ws.id}/members`).set(as(ownerToken)).send({ email, role: 'viewer' });
      expect((await t.http().get(`/api/v1/workspaces/${ws.id}`).set(as(newToken))).status).toBe(200);
    });

    it("see only their own memberships: instance admin is no way around tenant isolation", async () => {
      const root = await createUser(t, { instanceAdmin: true });
      const rootToken = await login(t, root);
      const someoneElses = await createWorkspace(t, ownerToken);
      expectCleanError(await t.http().get(`/api/v1/workspaces/${someoneElses.id}`).set(as(rootToken)), 404, 'WORKSPACE_NOT_FOUND');
      const list = await t.http().get('/api/v1/workspaces').set(as(rootToken));
      expect(list.body.items).toEqual([]);
    });
  });

  describe('WorkspaceAccessService.require (what other modules call)', () => {
    const principal = (user: TestUser, extra: Partial<Principal> = {}): Principal => ({
      userId: user.id,
      email: user.email,
      isInstanceAdmin: false,
      tokenId: '00000000-0000-4000-8000-000000000001',
      tokenKind: 'session',
      tokenWorkspaceIds: null,
      tokenRole: null,
      ...extra,
    });

    it('answers the effective role, 404 and 403 as documented', async () => {
      const access = t.app.get(WorkspaceAccessService);
      const ws = await createWorkspace(t, ownerToken);
      const stranger = await createUser(t);
      await expect(access.require(principal(owner), ws.id, 'owner')).resolves.toBe('owner');
      await expect(access.require(principal(owner, { tokenRole: 'admin' }), ws.id, 'write')).resolves.toBe('admin');
      await expect(access.require(principal(owner, { tokenRole: 'viewer' }), ws.id, 'write')).rejects.toMatchObject({ code: 'FORBIDDEN_ROLE', status: 403 });
      for (const [who, id] of [
        [principal(stranger), ws.id],
        [principal(owner), 'nope'],
        [principal(owner), '00000000-0000-4000-8000-000000000000'],
        [principal(owner, { tokenWorkspaceIds: ['00000000-0000-4000-8000-000000000000'] }), ws.id],
      ] as const) {
        await expect(access.require(who, id, 'read')).rejects.toMatchObject({ code: 'WORKSPACE_NOT_FOUND', status: 404 });
      }
    });
  });
});
