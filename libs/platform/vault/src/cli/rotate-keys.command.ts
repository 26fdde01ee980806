import { InvalidConfigError, loadConfig } from '@hub/config';
import { dataSourceOptions, pendingMigrations } from '@hub/persistence';
import { DataSource } from 'typeorm';
import { rotateKeys } from '../rotation/rotate-keys';
import { SecretBox } from '../secret-box';

export interface RotateKeysIo {
  env?: Record<string, string | undefined>;
  /** One JSON line per message, like the apps' logs. */
  out?: (line: string) => void;
}

/**
 * `npm run vault:rotate [-- --batch-size N]`: re-seals every stored secret under the first
 * (active) key of HUB_ENCRYPTION_KEYS. Put the new key first, keep the old ones after it, run
 * this (safe while the hub runs, and safe to run twice), and remove an old key only once the
 * summary says `remaining: 0`. Returns the exit code: 0 done, 1 rows left or failed, 2 bad usage.
 * The entry point lives in the admin app:
 *
 *     runRotateKeysCli().then((code) => process.exit(code));
 */
export async function runRotateKeysCli(argv: string[] = process.argv.slice(2), io: RotateKeysIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const log = (level: string, msg: string, fields: Record<string, unknown> = {}) => out(JSON.stringify({ level, msg, ...fields }));

  let batchSize = 500;
  const at = argv.indexOf('--batch-size');
  const inline = argv.find((a) => a.startsWith('--batch-size='));
  const raw = inline ? inline.slice('--batch-size='.length) : at >= 0 ? argv[at + 1] : undefined;
  if (raw !== undefined) {
    batchSize = Number(raw);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      log('error', 'usage: vault:rotate [--batch-size N] (N from 1 to 10000)');
      return 2;
    }
  }

  let config;
  try {
    config = loadConfig(io.env ?? process.env);
  } catch (err) {
    // The message names the variables, never their values.
    log('error', err instanceof InvalidConfigError ? err.message : 'configuration could not be loaded');
    return 2;
  }

  const dataSource = new DataSource(dataSourceOptions(config.DATABASE_URL, 2));
  await dataSource.initialize();
  try {
    const pending = await pendingMigrations(dataSource);
    if (pending.length) {
      log('error', 'the database has pending migrations; run `npm run migrate` first', { pending });
      return 1;
    }
    const result = await rotateKeys(dataSource, new SecretBox(config.HUB_ENCRYPTION_KEYS), { batchSize });
    const ok = result.failed.length === 0 && result.remaining === 0;
    log(ok ? 'info' : 'warn', ok ? 'every secret is sealed with the active key; older keys may be removed' : 'some secrets are still under an older key; see failed and run again', result as unknown as Record<string, unknown>);
    return ok ? 0 : 1;
  } catch (err) {
    log('error', 'key rotation failed', { error: (err as Error).message, code: (err as { code?: string }).code });
    return 1;
  } finally {
    await dataSource.destroy();
  }
}
