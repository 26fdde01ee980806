import { AdminUserEntity, dataSourceOptions, runMigrations } from '@hub/persistence';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { startAuthApp } from '../test/auth-test-app';
import { bootstrapFirstAdminFromConfig } from './bootstrap-first-admin';
import { runCreateAdminCommand } from './cli/create-admin.command';
import { AdminUsersService, BOOTSTRAP_LOCK_KEY } from './users/admin-users.service';

/**
 * "No admin exists at all" is about the whole database, and the run's database is shared with
 * other test files that create users; so these tests get a database of their own.
 */
describe('first admin bootstrap', () => {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
  const url = new URL(process.env.DATABASE_URL as string);
  const dbName = `${url.pathname.slice(1)}_boot`;
  url.pathname = `/${dbName}`;
  const bootUrl = url.toString();
  const replicas: DataSource[] = [];

  const countAdmins = async () => (await replicas[0].query('SELECT count(*)::int AS n FROM admin_users'))[0].n as number;

  beforeAll(async () => {
    await runMigrations(bootUrl);
    for (let i = 0; i < 2; i++) replicas.push(await new DataSource(dataSourceOptions(bootUrl, 4)).initialize());
  });

  beforeEach(async () => {
    await replicas[0].query('TRUNCATE admin_users CASCADE');
  });

  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.destroy()));
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`);
    await client.end();
  });

  it('two replicas bootstrapping at once create exactly one instance admin', async () => {
    const services = replicas.map((r) => new AdminUsersService(r.getRepository(AdminUserEntity)));
    const results = await Promise.all(
      [0, 1, 0, 1, 0, 1].map((i, n) => services[i].bootstrapFirstAdmin(`first-${n}@example.test`, 'a long first password')),
    );
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await countAdmins()).toBe(1);
    const [row] = await replicas[0].query('SELECT email, is_instance_admin, password_hash FROM admin_users');
    expect(row.is_instance_admin).toBe(true);
    expect(row.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(row.password_hash).not.toContain('a long first password');
  });

  it('a replica waits while another is inside the check-and-insert, then sees its admin', async () => {
    // Replica 0 is mid-bootstrap: it holds the lock and has inserted, not yet committed.
    const holder = replicas[0].createQueryRunner();
    await holder.connect();
    try {
      await holder.startTransaction();
      await holder.query('SELECT pg_advisory_xact_lock($1)', [BOOTSTRAP_LOCK_KEY]);
      await holder.query(`INSERT INTO admin_users (email, password_hash, is_instance_admin) VALUES ('holder@example.test', 'x', true)`);
      let settled = false;
      const late = new AdminUsersService(replicas[1].getRepository(AdminUserEntity))
        .bootstrapFirstAdmin('late@example.test', 'a long late password')
        .finally(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(settled).toBe(false);
      await holder.commitTransaction();
      await expect(late).resolves.toEqual({ created: false, user: null });
      expect(await countAdmins()).toBe(1);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
  });

  it('does nothing once any admin exists, even with another email or password', async () => {
    const users = new AdminUsersService(replicas[0].getRepository(AdminUserEntity));
    await users.create({ email: 'someone@example.test', password: 'someone password' });
    const again = await users.bootstrapFirstAdmin('boss@example.test', 'another long password');
    expect(again).toEqual({ created: false, user: null });
    expect(await countAdmins()).toBe(1);
    expect(await users.findByEmail('boss@example.test')).toBeNull();
  });

  it('bootstrapFirstAdminFromConfig: creates the configured admin once, who can then log in', async () => {
    const unset = await startAuthApp(bootUrl, { HUB_ADMIN_EMAIL: undefined, HUB_ADMIN_PASSWORD: undefined });
    try {
      await expect(bootstrapFirstAdminFromConfig(unset.app)).resolves.toBe('not-configured');
    } finally {
      await unset.close();
    }
    expect(await countAdmins()).toBe(0);

    const t = await startAuthApp(bootUrl, { HUB_ADMIN_EMAIL: 'Root@Example.test', HUB_ADMIN_PASSWORD: 'the configured password' });
    try {
      await expect(bootstrapFirstAdminFromConfig(t.app)).resolves.toBe('created');
      await expect(bootstrapFirstAdminFromConfig(t.app)).resolves.toBe('exists');
      const res = await t.http().post('/api/v1/auth/login').send({ email: 'root@example.test', password: 'the configured password' });
      expect(res.status).toBe(200);
      const me = await t.http().get('/api/v1/me').set('authorization', `Bearer ${res.body.token}`);
      expect(me.body).toMatchObject({ email: 'Root@Example.test', isInstanceAdmin: true, workspaces: [] });
    } finally {
      await t.close();
    }
  });

  describe('create-admin command', () => {
    const run = async (argv: string[], password: string) => {
      const lines: string[] = [];
      const code = await runCreateAdminCommand(argv, {
        env: { ...process.env, DATABASE_URL: bootUrl },
        readPassword: async () => `${password}\n`,
        out: (line) => lines.push(line),
      });
      return { code, output: lines.join('\n') };
    };

    it('creates users and instance admins, never printing the password', async () => {
      const first = await run(['--email', 'ops@example.test', '--if-no-admin'], 'ops password long');
      expect(first).toEqual({ code: 0, output: 'created instance admin ops@example.test' });
      const skipped = await run(['--email', 'other@example.test', '--if-no-admin'], 'other password long');
      expect(skipped.output).toContain('nothing changed');
      const user = await run(['--email', 'dev@example.test'], 'dev password long');
      expect(user.code).toBe(0);
      expect(user.output).toMatch(/^created user dev@example\.test \(/);
      const dup = await run(['--email', 'DEV@example.test'], 'dev password long');
      expect(dup.code).toBe(1);
      expect(dup.output).toContain('already exists');
      for (const r of [first, skipped, user, dup]) expect(r.output).not.toContain('password long');
      const rows = await replicas[0].query('SELECT email, is_instance_admin FROM admin_users ORDER BY email');
      expect(rows).toEqual([
        { email: 'dev@example.test', is_instance_admin: false },
        { email: 'ops@example.test', is_instance_admin: true },
      ]);
    });

    it('explains bad arguments with exit code 2', async () => {
      const res = await run(['--email', 'not-an-email'], 'short');
      expect(res.code).toBe(2);
      expect(res.output).toContain('usage: create-admin');
      expect(res.output).toContain('email');
      expect(res.output).toContain('password');
      expect(res.output).not.toContain('short\n');
    });
  });
});
