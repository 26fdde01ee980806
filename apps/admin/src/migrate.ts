/**
 * `npm run migrate`: applies pending migrations, creating the database when it is missing.
 * Safe to run twice and from several replicas at once (an advisory lock serializes them).
 */
import 'reflect-metadata';
import { loadConfigOrExit } from '@hub/config';
import { runMigrations } from '@hub/persistence';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const applied = await runMigrations(config.DATABASE_URL);
  process.stdout.write(
    JSON.stringify({ level: 'info', msg: applied.length ? 'migrations applied' : 'database is up to date', applied }) + '\n',
  );
}

main().catch((err: Error & { code?: string }) => {
  process.stderr.write(
    JSON.stringify({ level: 'error', msg: 'migration failed', error: err.message, code: err.code }) + '\n',
  );
  process.exit(1);
});
