import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

/**
 * A database of the test run for one suite alone: `<run database>_<label>`, created by
 * `npm run migrate` and dropped by the global teardown with the run's own. Suites that rely on
 * the first-admin bootstrap need one, because the bootstrap only runs on a database with no admin.
 */
export function ownDatabase(label: string): string {
  if (!/^[a-z0-9_]{1,20}$/.test(label)) throw new Error(`database label "${label}" must be 1-20 of [a-z0-9_]`);
  const url = new URL(process.env.DATABASE_URL as string);
  url.pathname = `${url.pathname}_${label}`;
  return url.toString();
}

export interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Runs an npm script of the repo: the exact command line of package.json's script (all of them
 * are `node <file>`), started without npm in between so signals reach node as they do in the
 * compose file.
 */
export function npmRun(script: string, env: Record<string, string>, extra: { args?: string[]; stdin?: string } = {}): Started {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const command: string = require(resolve(repoRoot, 'package.json')).scripts[script];
  const [bin, ...args] = command.split(/\s+/);
  if (bin !== 'node') throw new Error(`script ${script} is not a plain node command: ${command}`);
  const child = spawn(process.execPath, [...args, ...(extra.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: [extra.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (extra.stdin !== undefined) child.stdin?.end(extra.stdin);
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  return { child, output: () => out, exited };
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
    srv.on('error', rej);
  });
}

export async function waitFor(url: string, timeoutMs: number, started?: Started): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
      last = `${res.status} ${await res.text()}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms (${last})\n${started?.output() ?? ''}`);
}

export async function stop(started: Started, timeoutMs = 20_000): Promise<number | null> {
  if (started.child.exitCode !== null) return started.child.exitCode;
  started.child.kill('SIGTERM');
  const timer = setTimeout(() => started.child.kill('SIGKILL'), timeoutMs);
  const code = await started.exited;
  clearTimeout(timer);
  return code;
}
