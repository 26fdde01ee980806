import { decideFailure, errorCodeOf, failureReason, type AttemptState } from '@hub/queue';
import { isConnectorError, type BatchItemResult } from '@hub/sdk';

/** What the lane does with each claimed row after a send. */
export interface LaneOutcome {
  sent: { id: string; messageIds?: string[] }[];
  /** Retried later (the job retries or is delayed); grouped by reason. */
  failed: Map<string, string[]>;
  /** Dead-lettered now; grouped by `code\u0000reason`. */
  dead: Map<string, { code: string; reason: string; ids: string[] }>;
  /** The error the job settles with when rows failed (429 preferred: it delays without spending an attempt). */
  retryError?: unknown;
  /** An error that is the installation's problem (auth, configuration): flag it and stop the flush. */
  installationError?: unknown;
}

const outputIds = (output: unknown): string[] | undefined => {
  const ids = (output as { messageIds?: unknown } | null)?.messageIds;
  return Array.isArray(ids) && ids.every((i) => typeof i === 'string') ? (ids as string[]) : undefined;
};

const isInstallationProblem = (err: unknown) => isConnectorError(err) && (err.code === 'AUTH_FAILED' || err.code === 'CONFIGURATION_INVALID');

/**
 * Sorts per-row results into sent / failed / dead. Pure: the retry meaning of each error (the
 * SDK's closed set) and the job's attempt state decide. A row whose error is retryable dies
 * only when the flush job has no attempt left (`decideFailure` says `dead`): it is then
 * dead-lettered with "Failed after N attempts", like any job of the hub.
 */
export function sortOutcomes(rows: { id: string }[], results: BatchItemResult<unknown>[], attempt: AttemptState): LaneOutcome {
  const out: LaneOutcome = { sent: [], failed: new Map(), dead: new Map() };
  rows.forEach((row, i) => {
    const result = results[i];
    if (result.ok) {
      out.sent.push({ id: row.id, messageIds: outputIds(result.output) });
      return;
    }
    const err = result.error;
    const decision = decideFailure(err, attempt);
    if (decision.kind === 'dead') {
      const key = `${decision.code}\u0000${decision.reason}`;
      const group = out.dead.get(key) ?? { code: decision.code, reason: decision.reason, ids: [] };
      group.ids.push(row.id);
      out.dead.set(key, group);
      if (isInstallationProblem(err)) out.installationError ??= err;
      return;
    }
    const reason = failureReason(err);
    const failed = out.failed.get(reason);
    if (failed) failed.push(row.id);
    else out.failed.set(reason, [row.id]);
    if (!out.retryError || (decision.kind === 'delay' && !(isConnectorError(out.retryError) && out.retryError.retry === 'after'))) {
      out.retryError = err;
    }
  });
  return out;
}

export { errorCodeOf };
