/**
 * The queue scheme (see this library's README): one BullMQ queue per connector, job names that
 * say what runs, payloads that carry ids (plus an action's input, which is data but never a
 * secret or a setting: the worker loads settings and secrets itself, at run time).
 */

/** BullMQ reserves `:` in queue names (it separates the Redis key parts), hence the dash. */
export function connectorQueueName(connectorId: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(connectorId)) {
    throw new Error(`connector id "${connectorId}" cannot name a queue: use kebab-case`);
  }
  return `connector-${connectorId}`;
}

export type ConnectorJobKind = 'action' | 'job';

export const actionJobName = (actionKey: string) => `action:${actionKey}`;
export const scheduledJobName = (jobKey: string) => `job:${jobKey}`;

export function parseJobName(name: string): { kind: ConnectorJobKind; key: string } | null {
  const match = /^(action|job):([a-zA-Z][a-zA-Z0-9]*)$/.exec(name);
  return match ? { kind: match[1] as ConnectorJobKind, key: match[2] } : null;
}

/**
 * One BullMQ job scheduler per (installation, job). The id is deterministic so that enabling
 * twice, from two admin replicas at once, upserts the same scheduler instead of adding one.
 */
export const jobSchedulerId = (installationId: string, jobKey: string) => `${installationId}:${jobKey}`;

/** Payload of `action:<key>` jobs. */
export interface ActionJobData {
  workspaceId: string;
  installationId: string;
  actionKey: string;
  input: unknown;
}

/** Payload of `job:<key>` jobs (scheduled or enqueued by the host). */
export interface ScheduledJobData {
  workspaceId: string;
  installationId: string;
  jobKey: string;
  /** The job's own payload, validated by its `payload` schema; `{}` for scheduled runs. */
  payload?: unknown;
}

export type ConnectorJobData = ActionJobData | ScheduledJobData;
