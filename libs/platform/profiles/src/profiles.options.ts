export interface DrainLimits {
  /** Inbox rows claimed per transaction. */
  maxRows: number;
  /** Messages per transaction (a single larger inbox row is still taken whole). */
  maxEvents: number;
}

/**
 * Up to 10,000 messages per transaction: large enough that per-statement costs vanish, small
 * enough that a batch commits in well under a second and holds little memory in Postgres.
 */
export const DEFAULT_DRAIN_LIMITS: DrainLimits = { maxRows: 200, maxEvents: 10_000 };

export interface ProfilesWorkerOptions {
  limits?: Partial<DrainLimits>;
}

export const PROFILES_WORKER_OPTIONS = Symbol('PROFILES_WORKER_OPTIONS');
