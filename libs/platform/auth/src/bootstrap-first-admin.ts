import { type INestApplicationContext, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { AdminUsersService } from './users/admin-users.service';

export type FirstAdminOutcome = 'created' | 'exists' | 'not-configured';

/**
 * For the admin app's `main.ts`, after `app.init()` (or `listen()`) and once migrations have run:
 *
 *     await bootstrapFirstAdminFromConfig(app);
 *
 * When HUB_ADMIN_EMAIL and HUB_ADMIN_PASSWORD are both set and no admin exists yet, creates that
 * admin as instance admin. Otherwise it changes nothing: an existing hub never has its admin or
 * password replaced by the environment (change a password with POST /api/v1/me/password). Safe to run
 * on every start and from several replicas at once. Logs the email, never the password.
 */
export async function bootstrapFirstAdminFromConfig(app: INestApplicationContext): Promise<FirstAdminOutcome> {
  const config = app.get<HubEnv>(HUB_CONFIG);
  const logger = new Logger('Auth');
  const users = app.get(AdminUsersService);
  if (!config.HUB_ADMIN_EMAIL || !config.HUB_ADMIN_PASSWORD) {
    if (!(await users.hasAnyUser())) {
      logger.warn('No admin exists and HUB_ADMIN_EMAIL / HUB_ADMIN_PASSWORD are not both set: nobody can log in yet');
    }
    return 'not-configured';
  }
  const { created } = await users.bootstrapFirstAdmin(config.HUB_ADMIN_EMAIL, config.HUB_ADMIN_PASSWORD);
  if (created) logger.log(`Created the first admin ${config.HUB_ADMIN_EMAIL} (instance admin)`);
  return created ? 'created' : 'exists';
}
