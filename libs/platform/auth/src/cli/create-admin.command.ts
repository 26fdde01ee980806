import { loadConfig } from '@hub/config';
import { AdminUserEntity, dataSourceOptions } from '@hub/persistence';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import { AdminUsersService } from '../users/admin-users.service';

const args = z.object({
  email: z.email(),
  password: z.string().min(12, 'must be at least 12 characters').max(1024),
  instanceAdmin: z.boolean(),
  ifNoAdmin: z.boolean(),
});

export interface CreateAdminIo {
  env: Record<string, string | undefined>;
  /** The password, read from stdin by the entry point: never from argv, where `ps` shows it. */
  readPassword: () => Promise<string>;
  out: (line: string) => void;
}

/**
 * `create-admin --email <email> [--instance-admin] [--if-no-admin]`, password on stdin.
 * `--if-no-admin` does exactly what the admin app does on first start (creates an instance admin
 * only when no admin exists). Returns the exit code. The entry point lives in the admin app:
 *
 *     runCreateAdminCommand(process.argv.slice(2), { env: process.env, readPassword: readStdin, out: console.log })
 *       .then((code) => process.exit(code));
 */
export async function runCreateAdminCommand(argv: string[], io: CreateAdminIo): Promise<number> {
  const emailAt = argv.indexOf('--email');
  const parsed = args.safeParse({
    email: emailAt >= 0 ? argv[emailAt + 1] : undefined,
    password: (await io.readPassword()).replace(/\r?\n$/, ''),
    instanceAdmin: argv.includes('--instance-admin'),
    ifNoAdmin: argv.includes('--if-no-admin'),
  });
  if (!parsed.success) {
    io.out(
      'usage: create-admin --email <email> [--instance-admin] [--if-no-admin] < password-file\n' +
        parsed.error.issues.map((i) => `  ${String(i.path[0])}: ${i.message}`).join('\n'),
    );
    return 2;
  }
  const { email, password, instanceAdmin, ifNoAdmin } = parsed.data;
  const dataSource = new DataSource(dataSourceOptions(loadConfig(io.env).DATABASE_URL, 1));
  await dataSource.initialize();
  try {
    const users = new AdminUsersService(dataSource.getRepository(AdminUserEntity));
    if (ifNoAdmin) {
      const { created } = await users.bootstrapFirstAdmin(email, password);
      io.out(created ? `created instance admin ${email}` : 'an admin already exists; nothing changed');
      return 0;
    }
    const user = await users.create({ email, password, isInstanceAdmin: instanceAdmin });
    io.out(`created ${user.isInstanceAdmin ? 'instance admin' : 'user'} ${user.email} (${user.id})`);
    return 0;
  } catch (err) {
    io.out(`error: ${(err as Error).message}`);
    return 1;
  } finally {
    await dataSource.destroy();
  }
}
