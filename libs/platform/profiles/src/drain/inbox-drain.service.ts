import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { DEFAULT_DRAIN_LIMITS, type DrainLimits, PROFILES_WORKER_OPTIONS, type ProfilesWorkerOptions } from '../profiles.options';
import { DEFAULT_MODEL_SETTINGS, type ModelSettings } from '../model-settings';
import { planBatch, pickWithinBudget, type BatchPlan, type StageSummaryRow } from './batch-plan';
import { DrainBatchDataError, isDataError } from './drain-errors';
import {
  CREATE_ANONYMOUS_PROFILES,
  DELETE_MERGED_PROFILES,
  FIND_MERGES,
  INSERT_LINKS,
  MERGE_ANONYMOUS_TRAITS,
  MERGE_PROFILE_MEMBERSHIPS,
  MERGE_PROFILE_TRAITS,
  MOVE_MERGED_ANONYMOUS_IDS,
} from './link-identities.sql';
import { UPSERT_ACCOUNTS, UPSERT_MEMBERSHIPS, UPSERT_USERS } from './project-profiles.sql';
import {
  DELETE_ATTRIBUTION,
  INSERT_ATTRIBUTED_EVENTS,
  INSERT_EVENTS,
  MARK_INBOX_FAILED,
  MARK_INBOX_PROCESSED,
  SAVE_ATTRIBUTION,
  UPDATE_INSTALLATION_STATS,
  UPSERT_CATALOG_EVENTS,
  UPSERT_CATALOG_TRAITS,
} from './record-events.sql';
import {
  ANALYZE_STAGING,
  CLAIM_INBOX_ROWS,
  CREATE_STAGING_TABLES,
  LOCK_WORKSPACE,
  LOCK_WORKSPACE_EVENTS,
  READ_MODEL_SETTINGS,
  RECLAIM_PROJECTED_ROWS,
  STAGE_MESSAGES,
} from './stage-batch.sql';

export interface BatchResult {
  inboxIds: string[];
  counts: Record<string, number>;
}

export interface DrainResult {
  batches: number;
  inboxRows: number;
  /** Inbox rows set aside because Postgres refused their data. */
  failedRows: number;
  counts: Record<string, number>;
  /** Stopped on request (shutdown) with rows possibly left pending. */
  stopped: boolean;
}

export interface DrainHooks {
  /** Checked before each batch: true stops the drain (the worker is closing). */
  shouldStop?: () => boolean;
  /** After each committed batch (the fan-out trigger). */
  afterCommit?: (batch: BatchResult) => Promise<void>;
}

interface Claimed {
  id: string;
  eventCount: number;
}

/** The outcome of a profile part: the batch is done (one transaction), or its events part is due. */
type ProfilePart = { done: BatchResult; lastId: string } | { projected: string[]; settings: ModelSettings; lastId: string };

/** One drain's progress: where its claims resume, and the events part in flight (at most one). */
interface DrainState {
  /** The last inbox id this drain claimed: rows up to it are projected or being projected. */
  cursor: string;
  /** Rows left to retry one at a time after a batch failed on its data. */
  isolating: number;
  /** The events parts started and not yet settled, chained: each begins when the previous ends. */
  inflight: Promise<void> | null;
  /** Events parts that failed, with their rows. */
  failures: { err: unknown; inboxIds: string[] }[];
}

/**
 * Projects a workspace's pending inbox rows in batches until none is left. Each batch runs a
 * fixed handful of set-based statements whatever its size: messages are expanded from the
 * inbox's jsonb in SQL, so the worker's memory does not grow with the backlog.
 *
 * A batch has two parts: the **profile part** (accounts, users, anonymous ids, memberships, and
 * each event's account, which needs the memberships as the batch left them) and the **events
 * part** (the events, the catalog, the installation counters, and the rows marked processed). A
 * small batch runs both in one transaction. A large one runs them in two, on two connections,
 * so the events part of batch N is written while the profile part of batch N+1 is, and a drain
 * keeps two cores busy: the profile part hands the attribution over in `inbox_attribution` and
 * is idempotent (last writer wins by event time, first/last seen are min/max, links insert if
 * absent), so a crash between the two commits leaves the rows pending and the next drain
 * re-projects their profiles harmlessly, while everything counted (events, catalog, counters)
 * commits once, with the rows marked processed. Events parts run one after another, in order.
 */
@Injectable()
export class InboxDrain {
  private readonly logger = new Logger('InboxDrain');
  readonly limits: DrainLimits;

  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(PROFILES_WORKER_OPTIONS) options?: ProfilesWorkerOptions,
  ) {
    this.limits = { ...DEFAULT_DRAIN_LIMITS, ...(options?.limits ?? {}) };
  }

  async drainWorkspace(workspaceId: string, hooks: DrainHooks = {}): Promise<DrainResult> {
    const result: DrainResult = { batches: 0, inboxRows: 0, failedRows: 0, counts: {}, stopped: false };
    const state: DrainState = { cursor: '0', isolating: 0, inflight: null, failures: [] };
    const committed = async (batch: BatchResult) => {
      result.batches++;
      result.inboxRows += batch.inboxIds.length;
      for (const [key, n] of Object.entries(batch.counts)) result.counts[key] = (result.counts[key] ?? 0) + n;
      await hooks.afterCommit?.(batch);
    };
    try {
      for (;;) {
        if (hooks.shouldStop?.()) {
          await this.settle(state);
          result.stopped = true;
          return result;
        }
        if (state.failures.length > 0) await this.settle(state);
        if (state.isolating > 0) {
          // After a data error: one row per transaction, both parts, until the bad row is set aside.
          await this.settle(state);
          if (state.isolating === 0) continue;
          let batch: BatchResult | null;
          try {
            batch = await this.runBatch(workspaceId, { ...this.limits, maxRows: 1, maxEvents: Number.MAX_SAFE_INTEGER }, state.cursor);
          } catch (err) {
            if (!(err instanceof DrainBatchDataError)) throw err;
            await this.setAside(workspaceId, err.inboxIds[0], err);
            result.failedRows++;
            state.cursor = err.inboxIds[0];
            state.isolating--;
            continue;
          }
          if (!batch) {
            state.isolating = 0;
            continue;
          }
          state.cursor = batch.inboxIds[batch.inboxIds.length - 1];
          state.isolating--;
          await committed(batch);
          continue;
        }
        let part: ProfilePart | null;
        try {
          part = await this.projectProfiles(workspaceId, state);
        } catch (err) {
          if (!(err instanceof DrainBatchDataError)) throw err;
          await this.settle(state);
          state.isolating = Math.max(state.isolating, err.inboxIds.length);
          continue;
        }
        if (!part) {
          if (!state.inflight && state.failures.length === 0) return result;
          await this.settle(state);
          continue;
        }
        state.cursor = part.lastId;
        if ('done' in part) {
          await committed(part.done);
          continue;
        }
        const { projected, settings } = part;
        // After a failed events part the later ones wait (their rows stay pending, their
        // profiles re-projected later): events are written in inbox order.
        state.inflight = (state.inflight ?? Promise.resolve())
          .then(() => (state.failures.length > 0 ? null : this.recordEvents(workspaceId, projected, settings)))
          .then(async (batch) => {
            if (batch) await committed(batch);
          })
          .catch((err: unknown) => {
            state.failures.push({ err, inboxIds: projected });
          });
      }
    } catch (err) {
      // Leave nothing running behind a failed drain (the job is retried; pending rows stay pending).
      await state.inflight;
      throw err;
    }
  }

  /**
   * Waits for the events part in flight. A data error there sends its rows (and any claimed after
   * them) back through one-at-a-time isolation; any other error fails the drain.
   */
  private async settle(state: DrainState): Promise<void> {
    if (state.inflight) await state.inflight;
    state.inflight = null;
    const failures = state.failures.splice(0);
    if (failures.length === 0) return;
    const other = failures.find((f) => !(f.err instanceof DrainBatchDataError));
    if (other) throw other.err;
    // Back to the first failed row; rows after it that did commit are no longer pending.
    const first = failures.reduce((min, f) => (BigInt(f.inboxIds[0]) < min ? BigInt(f.inboxIds[0]) : min), BigInt(failures[0].inboxIds[0]));
    state.cursor = (first - 1n).toString();
    state.isolating = Math.max(state.isolating, failures.reduce((n, f) => n + f.inboxIds.length, 0));
  }

  /**
   * One transaction: claims up to `limits` of pending rows after `after` and projects both parts.
   * Null when none is pending.
   */
  private async runBatch(workspaceId: string, limits: DrainLimits = this.limits, after = '0'): Promise<BatchResult | null> {
    const part = await this.projectProfiles(workspaceId, { cursor: after, inflight: null }, limits, true);
    return part && 'done' in part ? part.done : null;
  }

  /**
   * The profile part's transaction: claims the next rows after the drain's cursor and projects
   * their profiles. A small batch (or `whole`) goes on with the events part in the same
   * transaction; a large one stores its events' attribution and commits here, its rows left
   * pending for `recordEvents`.
   */
  private async projectProfiles(
    ws: string,
    state: Pick<DrainState, 'cursor' | 'inflight'>,
    limits: DrainLimits = this.limits,
    whole = false,
  ): Promise<ProfilePart | null> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let inboxIds: string[] = [];
    try {
      await qr.startTransaction();
      await qr.query(LOCK_WORKSPACE, [ws]);
      const claimed = (await qr.query(CLAIM_INBOX_ROWS, [ws, limits.maxRows, state.cursor])) as Claimed[];
      if (claimed.length === 0) {
        await qr.commitTransaction();
        return null;
      }
      const picked = pickWithinBudget(claimed, limits.maxEvents);
      inboxIds = picked.map((row) => row.id);
      const lastId = inboxIds[inboxIds.length - 1];
      const oneTransaction = whole || picked.reduce((n, row) => n + row.eventCount, 0) < limits.pipelineMinEvents;
      if (oneTransaction) {
        // The events part of the previous batch commits first (its lock), so this batch's
        // staging sees every messageId it stored.
        if (state.inflight) await state.inflight;
        await qr.query(LOCK_WORKSPACE_EVENTS, [ws]);
      }
      const settings = await this.settings(qr, ws);
      const plan = await this.stage(qr, ws, inboxIds, settings, oneTransaction);
      if (plan.hasNew) await this.upsertProfiles(qr, ws, settings, plan);
      if (oneTransaction) {
        const counts = await this.writeEvents(qr, ws, inboxIds, plan, INSERT_EVENTS);
        await qr.commitTransaction();
        return { done: { inboxIds, counts }, lastId };
      }
      if (plan.hasNew) await qr.query(SAVE_ATTRIBUTION, [ws]);
      await qr.commitTransaction();
      return { projected: inboxIds, settings, lastId };
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (inboxIds.length > 0 && isDataError(err)) throw new DrainBatchDataError(inboxIds, err);
      throw err;
    } finally {
      await qr.release();
    }
  }

  /**
   * The events part's transaction for rows whose profiles committed: those still pending are
   * locked, staged again (every column this time, classified afresh: this part's counts are the
   * ones kept) and recorded with the accounts their profile part attributed. Null when no row
   * was left.
   */
  private async recordEvents(ws: string, inboxIds: string[], settings: ModelSettings): Promise<BatchResult | null> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let pending: string[] = [];
    try {
      await qr.startTransaction();
      await qr.query(LOCK_WORKSPACE_EVENTS, [ws]);
      pending = ((await qr.query(RECLAIM_PROJECTED_ROWS, [ws, inboxIds])) as Claimed[]).map((row) => row.id);
      if (pending.length === 0) {
        await qr.commitTransaction();
        return null;
      }
      const plan = await this.stage(qr, ws, pending, settings, true, false);
      const counts = await this.writeEvents(qr, ws, pending, plan, INSERT_ATTRIBUTED_EVENTS);
      await qr.commitTransaction();
      return { inboxIds: pending, counts };
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (pending.length > 0 && isDataError(err)) throw new DrainBatchDataError(pending, err);
      throw err;
    } finally {
      await qr.release();
    }
  }

  /**
   * Expands the rows' messages into `drain_batch` and plans the statements they need. `wide`:
   * with the columns only events need; `analyze`: statistics for the joins that follow.
   */
  private async stage(qr: QueryRunner, ws: string, inboxIds: string[], settings: ModelSettings, wide: boolean, analyze = true): Promise<BatchPlan> {
    await qr.query(CREATE_STAGING_TABLES);
    const summary = (await qr.query(STAGE_MESSAGES, [
      ws,
      inboxIds,
      settings.pageEvents,
      settings.accountIdProperty,
      wide,
    ])) as StageSummaryRow[];
    const plan = planBatch(summary);
    if (plan.hasNew && analyze) await qr.query(ANALYZE_STAGING);
    return plan;
  }

  private async upsertProfiles(qr: QueryRunner, ws: string, settings: ModelSettings, plan: BatchPlan): Promise<void> {
    await qr.query(UPSERT_ACCOUNTS, [ws, settings.accountNameTrait]);
    await qr.query(UPSERT_USERS, [ws, settings.userEmailTrait]);
    if (plan.needsLinks) {
      await qr.query(FIND_MERGES, [ws]);
      await qr.query(MERGE_PROFILE_TRAITS, [ws, settings.userEmailTrait]);
      await qr.query(MERGE_PROFILE_MEMBERSHIPS, [ws]);
      await qr.query(MOVE_MERGED_ANONYMOUS_IDS, [ws]);
      await qr.query(DELETE_MERGED_PROFILES, [ws]);
      await qr.query(INSERT_LINKS, [ws]);
    }
    if (plan.needsAnonymousProfiles) {
      await qr.query(CREATE_ANONYMOUS_PROFILES, [ws]);
      await qr.query(MERGE_ANONYMOUS_TRAITS, [ws, settings.userEmailTrait]);
    }
    if (plan.needsMemberships) await qr.query(UPSERT_MEMBERSHIPS, [ws]);
  }

  /** Events, catalog and counters of the staged batch, and its rows marked processed. */
  private async writeEvents(
    qr: QueryRunner,
    ws: string,
    inboxIds: string[],
    plan: BatchPlan,
    insertEvents: string,
  ): Promise<Record<string, number>> {
    if (plan.hasNew) {
      await qr.query(insertEvents, insertEvents === INSERT_ATTRIBUTED_EVENTS ? [ws, inboxIds] : [ws]);
      await qr.query(UPSERT_CATALOG_TRAITS, [ws]);
    }
    // Ignored events are counted in the catalog even when nothing else is new.
    if (plan.hasNew || plan.counts.ignored) await qr.query(UPSERT_CATALOG_EVENTS, [ws]);
    if (plan.installations.length > 0) await qr.query(UPDATE_INSTALLATION_STATS, [ws, JSON.stringify(plan.installations)]);
    await qr.query(MARK_INBOX_PROCESSED, [ws, inboxIds]);
    // Left by a profile part whose events part did not commit (a crash, a data error).
    await qr.query(DELETE_ATTRIBUTION, [ws, inboxIds]);
    return plan.counts;
  }

  private async settings(qr: QueryRunner, ws: string): Promise<ModelSettings> {
    const [row] = (await qr.query(READ_MODEL_SETTINGS, [ws])) as ModelSettings[];
    return row ?? DEFAULT_MODEL_SETTINGS;
  }

  private async setAside(workspaceId: string, inboxId: string, err: DrainBatchDataError): Promise<void> {
    const reason = err.message.slice(0, 1000);
    await this.dataSource.query(MARK_INBOX_FAILED, [workspaceId, inboxId, reason]);
    this.logger.error({ msg: 'inbox row set aside: Postgres refused its data', workspaceId, inboxId, reason });
  }
}
