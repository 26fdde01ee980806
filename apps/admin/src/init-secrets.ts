/**
 * `npm run init-secrets` (used by docker-compose): writes a vault keyring and a first-admin
 * password into HUB_*_FILE paths once, so `docker compose up` works on a fresh machine without
 * hand-made secrets. Existing files are never overwritten; values given in the environment win.
 * Only file paths are printed, never the secrets themselves.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

function ensureFile(path: string | undefined, make: () => string, what: string): void {
  if (!path) return;
  if (existsSync(path)) {
    process.stdout.write(`${what}: keeping ${path}\n`);
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  writeFileSync(path, make() + '\n', { mode: 0o600, flag: 'wx' });
  // The apps run as the unprivileged `node` user of the image (uid 1000).
  try {
    chownSync(dirname(path), 1000, 1000);
    chownSync(path, 1000, 1000);
    chmodSync(path, 0o600);
  } catch {
    // Not root (running from source): the file already belongs to the current user.
  }
  process.stdout.write(`${what}: created ${path}\n`);
}

if (!process.env.HUB_ENCRYPTION_KEYS) {
  ensureFile(process.env.HUB_ENCRYPTION_KEYS_FILE, () => `k1:${randomBytes(32).toString('base64')}`, 'vault keyring');
}
if (!process.env.HUB_ADMIN_PASSWORD) {
  ensureFile(process.env.HUB_ADMIN_PASSWORD_FILE, () => randomBytes(18).toString('base64url'), 'first admin password');
}
