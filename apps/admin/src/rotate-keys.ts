import 'reflect-metadata';
import { runRotateKeysCli } from '@hub/vault';

// `npm run vault:rotate [-- --batch-size N]`: re-seals every secret under the active key of
// HUB_ENCRYPTION_KEYS. See the vault README for the whole rotation procedure.
runRotateKeysCli().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`${JSON.stringify({ level: 'fatal', msg: 'key rotation failed', error: err.message })}\n`);
    process.exit(1);
  },
);
