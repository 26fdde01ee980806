import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { DataSource, type QueryRunner } from 'typeorm';
import { DEFAULT_DRAIN_LIMITS, type DrainLimits, PROFILES_WORKER_OPTIONS, type ProfilesWorkerOptions } from '../profiles.options';
import { DEFAULT_MODEL_SETTINGS, type ModelSettings } from '../model-settings';
import { planBatch, pickWithinBudget, type StageSummaryRow } from './batch-plan';
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
  INSERT_EVENTS,
  MARK_INBOX_FAILED,
  MARK_INBOX_PROCESSED,
  UPDATE_INSTALLATION_STATS,
  UPSERT_CATALOG_EVENTS,
  UPSERT_CATALOG_TRAITS,
} from './record-events.sql';
import {
  ANALYZE_STAGING,
  CLAIM_INBOX_ROWS,
  CREATE_STAGING_TABLES,
  LOCK_WORKSPACE,
  READ_MODEL_SETTINGS,
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

/**
 * Projects a workspace's pending inbox rows, one transaction per batch of rows, until none is
 * left. Each batch runs a fixed handful of set-based statements whatever its size: messages are
 * expanded from the inbox's jsonb in SQL, so the worker's memory does not grow with the backlog.
 * The batch commits its effects and marks its inbox rows processed together: a crash at any
 * point leaves the rows pending and their effects absent, and the next drain redoes them.
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
    // After a batch fails on its data, its rows are retried one at a time to find the bad one.
    let isolating = 0;
    for (;;) {
      if (hooks.shouldStop?.()) {
        result.stopped = true;
        return result;
      }
      let batch: BatchResult | null;
      try {
        batch = await this.runBatch(workspaceId, isolating > 0 ? { maxRows: 1, maxEvents: Number.MAX_SAFE_INTEGER } : this.limits);
      } catch (err) {
        if (!(err instanceof DrainBatchDataError)) throw err;
        if (isolating > 0 || err.inboxIds.length === 1) {
          await this.setAside(workspaceId, err.inboxIds[0], err);
          result.failedRows++;
          isolating = Math.max(0, isolating - 1);
        } else {
          isolating = err.inboxIds.length;
        }
        continue;
      }
      if (!batch) return result;
      if (isolating > 0) isolating--;
      result.batches++;
      result.inboxRows += batch.inboxIds.length;
      for (const [key, n] of Object.entries(batch.counts)) result.counts[key] = (result.counts[key] ?? 0) + n;
      await hooks.afterCommit?.(batch);
    }
  }

  /** One transaction: claims, projects and marks up to `limits` of pending rows. Null when none is pending. */
  async runBatch(workspaceId: string, limits: DrainLimits = this.limits): Promise<BatchResult | null> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    let inboxIds: string[] = [];
    try {
      await qr.startTransaction();
      await qr.query(LOCK_WORKSPACE, [workspaceId]);
      const claimed = (await qr.query(CLAIM_INBOX_ROWS, [workspaceId, limits.maxRows])) as { id: string; eventCount: number }[];
      if (claimed.length === 0) {
        await qr.commitTransaction();
        return null;
      }
      inboxIds = pickWithinBudget(claimed, limits.maxEvents).map((row) => row.id);
      const counts = await this.project(qr, workspaceId, inboxIds);
      await qr.query(MARK_INBOX_PROCESSED, [workspaceId, inboxIds]);
      await qr.commitTransaction();
      return { inboxIds, counts };
    } catch (err) {
      if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
      if (inboxIds.length > 0 && isDataError(err)) throw new DrainBatchDataError(inboxIds, err);
      throw err;
    } finally {
      await qr.release();
    }
  }

  private async project(qr: QueryRunner, ws: string, inboxIds: string[]): Promise<Record<string, number>> {
    const settings = await this.settings(qr, ws);
    await qr.query(CREATE_STAGING_TABLES);
    const summary = (await qr.query(STAGE_MESSAGES, [
      ws,
      inboxIds,
      settings.pageEvents,
      settings.accountIdProperty,
    ])) as StageSummaryRow[];
    const plan = planBatch(summary);
    if (plan.hasNew) {
      await qr.query(ANALYZE_STAGING);
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
      await qr.query(INSERT_EVENTS, [ws]);
      await qr.query(UPSERT_CATALOG_TRAITS, [ws]);
    }
    // Ignored events are counted in the catalog even when nothing else is new.
    if (plan.hasNew || plan.counts.ignored) await qr.query(UPSERT_CATALOG_EVENTS, [ws]);
    if (plan.installations.length > 0) await qr.query(UPDATE_INSTALLATION_STATS, [ws, JSON.stringify(plan.installations)]);
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
