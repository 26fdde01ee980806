import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';

/** Ids that tie a log line to what it is about (QUALITY.md: "each line carries ... ids"). */
export interface LogContext {
  workspaceId?: string;
  installationId?: string;
  connectorId?: string;
  jobId?: string;
  jobName?: string;
  runId?: string;
  /** A module or component name, as Nest's `context`. */
  context?: string;
}

const CONTEXT_KEYS: readonly (keyof LogContext)[] = ['workspaceId', 'installationId', 'connectorId', 'jobId', 'jobName', 'runId', 'context'];

/**
 * A child of `parent` whose every line carries the given ids. Only the known keys are bound and
 * empty ones are skipped, so a job payload can be passed without leaking anything else into logs.
 */
export function bindLogger(parent: Logger, fields: LogContext): Logger {
  const bindings: Record<string, string> = {};
  for (const key of CONTEXT_KEYS) {
    const value = fields[key];
    if (value !== undefined && value !== null && value !== '') bindings[key] = String(value);
  }
  return parent.child(bindings);
}

/** Injection token of the app's root pino logger (one per app instance). */
export const HUB_ROOT_LOGGER = Symbol('HUB_ROOT_LOGGER');

/**
 * Loggers for work outside an HTTP request (worker jobs, schedulers, connector calls):
 * `hubLogger.bind({ workspaceId, installationId, jobId })`. Same output, level and redaction as
 * the request logs.
 */
@Injectable()
export class HubLogger {
  constructor(@Inject(HUB_ROOT_LOGGER) readonly root: Logger) {}

  bind(fields: LogContext): Logger {
    return bindLogger(this.root, fields);
  }
}
