export interface DrainLimits {
  /** Inbox rows claimed per transaction. */
  maxRows: number;
  /** Messages per transaction (a single larger inbox row is still taken whole). */
  maxEvents: number;
  /**
   * Batches of at least this many messages are projected in two transactions (profiles, then
   * events) so the events of one batch are written while the profiles of the next are; smaller
   * ones (single-event traffic) in one, which costs less when there is nothing to overlap.
   */
  pipelineMinEvents: number;
}

/**
 * Up to 10,000 messages per transaction: large enough that per-statement costs vanish, small
 * enough that a batch commits in well under a second and holds little memory in Postgres.
 */
export const DEFAULT_DRAIN_LIMITS: DrainLimits = { maxRows: 200, maxEvents: 10_000, pipelineMinEvents: 2_000 };

export interface ProfilesWorkerOptions {
  limits?: Partial<DrainLimits>;
}

export const PROFILES_WORKER_OPTIONS = Symbol('PROFILES_WORKER_OPTIONS');
