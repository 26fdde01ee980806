import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repoRoot } from '../../test/e2e/processes';

/**
 * The node flags docker-compose.yml gives the worker (the default of HUB_WORKER_NODE_OPTIONS),
 * read from the compose file itself so the benchmarks measure the worker as it is deployed.
 */
export function deployedWorkerNodeOptions(): string {
  const compose = readFileSync(resolve(repoRoot, 'docker-compose.yml'), 'utf8');
  const match = /NODE_OPTIONS:\s*\$\{HUB_WORKER_NODE_OPTIONS:-([^}]*)\}/.exec(compose);
  if (!match) throw new Error('docker-compose.yml: the worker has no NODE_OPTIONS default (HUB_WORKER_NODE_OPTIONS)');
  return match[1].trim();
}

/** The deployed flags with `--max-old-space-size` replaced (0: V8's default). */
export function workerNodeOptions(maxOldSpaceMb?: number): string {
  const flags = deployedWorkerNodeOptions().split(/\s+/).filter((f) => maxOldSpaceMb === undefined || !f.startsWith('--max-old-space-size='));
  if (maxOldSpaceMb) flags.push(`--max-old-space-size=${maxOldSpaceMb}`);
  return flags.join(' ');
}

/** The old-space cap in MB those flags set, if any. */
export function maxOldSpaceMb(nodeOptions: string): number | undefined {
  const match = /--max-old-space-size=(\d+)/.exec(nodeOptions);
  return match ? Number(match[1]) : undefined;
}
