/**
 * `npm run create-admin -- --email <email> [--instance-admin] [--if-no-admin] < password-file`:
 * creates a hub user from the command line. The password comes from standard input, never argv.
 */
import 'reflect-metadata';
import { runCreateAdminCommand } from '@hub/auth';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

runCreateAdminCommand(process.argv.slice(2), { env: process.env, readPassword: readStdin, out: (line) => process.stdout.write(`${line}\n`) })
  .then((code) => process.exit(code))
  .catch((err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    process.exit(1);
  });
