import { readFileSync } from 'node:fs';
import { envSchema, type HubEnv } from './env.schema';

/** Variables that may instead be read from a file named by `<NAME>_FILE` (Docker secrets). */
const FILE_VARIABLES = ['HUB_ENCRYPTION_KEYS', 'HUB_ADMIN_PASSWORD', 'DATABASE_URL'] as const;

export class InvalidConfigError extends Error {
  constructor(readonly problems: { variable: string; message: string }[]) {
    super(
      'Invalid configuration:\n' + problems.map((p) => `  - ${p.variable}: ${p.message}`).join('\n'),
    );
    this.name = 'InvalidConfigError';
  }
}

/** Parses the environment; empty strings count as unset so `.env` templates stay harmless. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HubEnv {
  const input: Record<string, string> = {};
  const fileProblems: { variable: string; message: string }[] = [];
  for (const key of Object.keys(envSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  for (const key of FILE_VARIABLES) {
    const file = env[`${key}_FILE`];
    if (input[key] !== undefined || !file) continue;
    try {
      const value = readFileSync(file, 'utf8').trim();
      if (value) input[key] = value;
    } catch (err) {
      fileProblems.push({ variable: `${key}_FILE`, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}` });
    }
  }
  if (fileProblems.length) throw new InvalidConfigError(fileProblems);
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    throw new InvalidConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? '(env)'), message: issue.message })),
    );
  }
  return parsed.data;
}

/** For `main.ts`: print the problems (never the values, which may be secrets) and exit 1. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): HubEnv {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof InvalidConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}
