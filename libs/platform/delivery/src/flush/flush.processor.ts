import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { ConnectorRunner, InstallationGoneError, raceAbort, type PreparedInstallation } from '@hub/host';
import { DeadLettersService, failureReason, isShutdownAbort, returnToQueue, settleFailedAttempt, type AttemptState } from '@hub/queue';
import { type BatchItemResult, ValidationError, zodFieldErrors } from '@hub/sdk';
import { type Job, UnrecoverableError } from 'bullmq';
import { DataSource, type QueryRunner } from 'typeorm';
import { z } from 'zod';
import { DELIVERY_QUEUE, REDELIVER_JOB, type RedeliverJobData } from '../delivery-queue';
import { DeliveryErrorCode } from '../delivery.exception';
import { type ClaimedDelivery, DeliveryStore, PLAN_BY_INDEX } from '../ledger/delivery-store.service';
import { type LaneOutcome, sortOutcomes } from './row-outcomes';

/**
 * What a connector adds around an input on the wire (type, ids, library context, the echo
 * marker): counted per row when sizing a claim, a little above segment-source's own estimate so
 * a claim never spills into a small extra request.
 */
export const ITEM_OVERHEAD_BYTES = 320;
/** For connectors that declare no batch limits. */
const DEFAULT_BATCH = { maxItems: 100, maxBytes: 256 * 1024 };
/** A claim smaller than one request waits briefly for rows still being committed (like Kafka's linger). */
const LINGER_MS = 100;
const LINGER_ROUNDS = 2;

const flushData = z.object({ workspaceId: z.uuid(), installationId: z.uuid(), deliveryIds: z.array(z.uuid()).max(10_000).optional() });

export interface FlushResult {
  sent: number;
  failed: number;
  dead: number;
  skipped?: string;
}

interface FlushRun {
  job: Job;
  prepared: PreparedInstallation;
  signal: AbortSignal;
  attempt: AttemptState;
  result: FlushResult;
  retryErrors: unknown[];
  installationError?: unknown;
  stop: boolean;
  /** Average input bytes of the rows claimed so far: sizes the next claim's row count. */
  avgRowBytes: number;
  /**
   * The highest seq a lane of this pass has claimed. Rows below it are sent, or in flight in
   * another lane (if those fail, the run stops and its retry starts from the bottom), so later
   * claims start above it instead of walking the index entries of every row already sent (dead
   * until vacuumed: an O(backlog) scan per claim). A row committed late with a lower seq is
   * found by the final pass, which starts from the bottom again.
   */
  floorSeq: bigint;
}

const sameIds = (a: readonly string[], b: readonly string[] | undefined) => !!b && a.length === b.length && a.every((id, i) => id === b[i]);

/** The largest batch limits among the connector's actions (a claim mixes actions). */
function claimBatchLimits(prepared: PreparedInstallation): { maxItems: number; maxBytes: number } {
  let maxItems = 0;
  let maxBytes = 0;
  for (const action of Object.values(prepared.connector.definition.actions ?? {})) {
    maxItems = Math.max(maxItems, action.batch?.maxItems ?? 1);
    maxBytes = Math.max(maxBytes, action.batch?.maxBytes ?? (action.batch ? DEFAULT_BATCH.maxBytes : 32 * 1024));
  }
  return { maxItems: maxItems || DEFAULT_BATCH.maxItems, maxBytes: maxBytes || DEFAULT_BATCH.maxBytes };
}

/**
 * Sends an installation's queued deliveries (`flush`, `redeliver`). Lanes (HUB_DELIVERY_LANES)
 * run side by side, each looping: open a transaction, claim about four requests' worth of rows
 * (by the connector's declared batch limits, counted in bytes) with `FOR UPDATE SKIP LOCKED`,
 * hand them to the connector's `performBatch` (which packs them into requests by bytes), record
 * each row's outcome, commit. Memory is bounded by lanes x one claim, whatever the backlog: the
 * backlog stays in Postgres.
 *
 * The row locks are the claim: a SIGKILLed worker's connection drops, Postgres releases its
 * locks, and the rows (not marked sent) are claimed again by the next flush, with the messageIds
 * stored in their inputs, so a repeat is one Segment dedupes.
 */
@Injectable()
export class FlushProcessor {
  private readonly logger = new Logger('DeliveryFlush');

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: DeliveryStore,
    private readonly runner: ConnectorRunner,
    private readonly deadLetters: DeadLettersService,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<FlushResult> {
    const parsed = flushData.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`Invalid ${job.name} payload: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`);
    const { workspaceId, installationId } = parsed.data;
    if (job.name === REDELIVER_JOB) {
      const requeued = await this.store.requeue(workspaceId, installationId, (parsed.data as RedeliverJobData).deliveryIds ?? []);
      this.logger.log({ msg: 'dead deliveries requeued for a replay', workspaceId, installationId, requeued });
    }

    let prepared: PreparedInstallation;
    try {
      prepared = await this.runner.prepare(workspaceId, installationId);
    } catch (err) {
      if (err instanceof InstallationGoneError) return { sent: 0, failed: 0, dead: 0, skipped: 'installation deleted' };
      // Settings that no longer validate, unreadable secrets, a gated endpoint turned off: the
      // rows wait (queued) while the installation needs attention; fixing it and passing a
      // check lets the relay flush them.
      await this.flag(workspaceId, installationId, err);
      return { sent: 0, failed: 0, dead: 0, skipped: failureReason(err) };
    }
    if (!prepared.installation.enabled) return { sent: 0, failed: 0, dead: 0, skipped: 'installation disabled' };

    const run: FlushRun = {
      job,
      prepared,
      signal: signal ?? new AbortController().signal,
      attempt: { attemptsMade: job.attemptsMade, attemptsStarted: job.attemptsStarted, maxAttempts: job.opts.attempts ?? 1 },
      result: { sent: 0, failed: 0, dead: 0 },
      retryErrors: [],
      stop: false,
      avgRowBytes: 1024,
      floorSeq: 0n,
    };
    try {
      await this.runLanes(run);
      if (!run.stop) {
        // Rows committed from now on enqueue a new flush; rows committed before are seen by this
        // last pass. Either way none is left waiting for the relay.
        await job.removeDeduplicationKey().catch(() => false);
        run.floorSeq = 0n;
        await this.runLanes(run);
      }
    } catch (err) {
      if (isShutdownAbort(signal)) return returnToQueue(job, token);
      throw err;
    }
    if (isShutdownAbort(signal)) return returnToQueue(job, token);
    if (run.installationError) await this.flag(workspaceId, installationId, run.installationError);
    if (run.retryErrors.length) {
      const rateLimited = run.retryErrors.find((e) => (e as { retry?: string }).retry === 'after');
      this.logger.warn({ msg: 'flush failed; will retry', workspaceId, installationId, attempt: job.attemptsMade + 1, ...run.result, error: failureReason(rateLimited ?? run.retryErrors[0]) });
      // Retry or delay only: rows due to die were dead-lettered by the lane, so no second dead letter here.
      return settleFailedAttempt(job, token, rateLimited ?? run.retryErrors[0], this.deadLetters);
    }
    if (run.result.sent || run.result.dead) this.logger.log({ msg: 'flush done', workspaceId, installationId, ...run.result });
    return run.result;
  }

  private async runLanes(run: FlushRun): Promise<void> {
    const lanes = Math.max(1, this.config.HUB_DELIVERY_LANES);
    await Promise.all(Array.from({ length: lanes }, () => this.lane(run)));
  }

  private async lane(run: FlushRun): Promise<void> {
    while (!run.stop && !run.signal.aborted) {
      const qr = this.dataSource.createQueryRunner();
      await qr.connect();
      let committed = false;
      try {
        await qr.startTransaction();
        // A send hangs at most ~20 s; past this, Postgres ends the session and the rows are free again.
        // The lane's commit need not wait for the WAL flush: losing the last marks in a Postgres
        // crash only means those rows are sent again, with the same messageIds (Segment dedupes).
        // (What the API and the programmatic entry commit stays synchronous: a 2xx is durable.)
        // The claim must walk deliveries_pending_idx in seq order and stop at its LIMIT. With stale
        // statistics (a table filled faster than autovacuum analyzes it) the planner prefers a
        // bitmap scan of every pending row plus a sort: O(backlog) per claim. No bitmap, no sort.
        await qr.query(`SET LOCAL idle_in_transaction_session_timeout = '300s'; SET LOCAL synchronous_commit = off; ${PLAN_BY_INDEX}`);
        const claimed = await this.claim(qr, run);
        if (claimed.length === 0) {
          await qr.commitTransaction();
          committed = true;
          return;
        }
        const results = await this.send(run, claimed);
        const outcome = sortOutcomes(claimed, results, run.attempt);
        await this.record(qr, run, claimed, outcome);
        await qr.commitTransaction();
        committed = true;
        run.result.sent += outcome.sent.length;
        run.result.failed += [...outcome.failed.values()].reduce((n, ids) => n + ids.length, 0);
        run.result.dead += [...outcome.dead.values()].reduce((n, g) => n + g.ids.length, 0);
        if (outcome.retryError !== undefined) run.retryErrors.push(outcome.retryError);
        if (outcome.installationError !== undefined) run.installationError ??= outcome.installationError;
        // Segment is failing: stop claiming; the job's retry (or delay) takes the rest.
        if (outcome.retryError !== undefined || outcome.installationError !== undefined) run.stop = true;
      } catch (err) {
        run.stop = true;
        if (!committed) await qr.rollbackTransaction().catch(() => undefined);
        throw err;
      } finally {
        await qr.release();
      }
    }
  }

  private async claim(qr: QueryRunner, run: FlushRun): Promise<ClaimedDelivery[]> {
    const { workspaceId, id: installationId } = run.prepared.installation;
    const batch = claimBatchLimits(run.prepared);
    const size = (rows: ClaimedDelivery[]) => rows.reduce((n, r) => n + r.inputBytes + ITEM_OVERHEAD_BYTES, 0);
    // One claim is one full request (the connector's declared `batch.maxBytes`/`maxItems`, with
    // ITEM_OVERHEAD_BYTES counted per row, at least what its planner counts): never a request and
    // a tail. Lanes overlap: while one lane's request is on the wire, another claims and builds
    // the next. Memory is lanes x one request.
    const maxBytes = batch.maxBytes;
    // Lock about as many rows as the byte budget will take (a lock is a tuple write): sized by
    // the rows seen so far, with 10 % to spare; the prefix that fits is what gets sent.
    const expected = Math.ceil((maxBytes / (run.avgRowBytes + ITEM_OVERHEAD_BYTES)) * 1.1);
    const budget = { maxRows: Math.min(batch.maxItems, Math.max(50, expected)), maxBytes, itemOverheadBytes: ITEM_OVERHEAD_BYTES };
    const first = await this.store.claim(qr, workspaceId, installationId, budget, String(run.floorSeq));
    const claimed = first.rows;
    // The pending rows ran out before the budget did: rows may still be arriving (a producer
    // mid-insert); wait a moment and add them, rather than sending a small request now and
    // another one right after.
    let full = first.full;
    for (let round = 0; round < LINGER_ROUNDS && claimed.length > 0 && !full && !run.signal.aborted; round++) {
      await new Promise((r) => setTimeout(r, LINGER_MS));
      const left = { ...budget, maxRows: budget.maxRows - claimed.length, maxBytes: budget.maxBytes - size(claimed) };
      if (left.maxRows <= 0 || left.maxBytes <= ITEM_OVERHEAD_BYTES) break;
      // Only rows that fit what is left: the claim stays one request.
      const more = await this.store.claim(qr, workspaceId, installationId, left, claimed[claimed.length - 1].seq, false);
      if (more.rows.length === 0) break;
      for (const row of more.rows) claimed.push(row);
      full = more.full;
    }
    if (claimed.length) {
      run.avgRowBytes = Math.max(64, claimed.reduce((n, r) => n + r.inputBytes, 0) / claimed.length);
      const top = BigInt(claimed[claimed.length - 1].seq);
      if (top > run.floorSeq) run.floorSeq = top;
    }
    return claimed;
  }

  /** One result per claimed row, in order: grouped by action, validated, sent through the connector. */
  private async send(run: FlushRun, rows: ClaimedDelivery[]): Promise<BatchItemResult<unknown>[]> {
    const { prepared } = run;
    const results: BatchItemResult<unknown>[] = new Array(rows.length);
    const groups = new Map<string, number[]>();
    rows.forEach((row, i) => {
      const group = groups.get(row.action);
      if (group) group.push(i);
      else groups.set(row.action, [i]);
    });
    const version = prepared.connector.definition.version;
    const ctx = this.runner.context(prepared, { runId: `${DELIVERY_QUEUE}/${run.job.id}`, signal: run.signal });
    for (const [actionKey, indexes] of groups) {
      const actions = prepared.connector.definition.actions ?? {};
      const action = Object.hasOwn(actions, actionKey) ? actions[actionKey] : undefined;
      if (!action) {
        const error = new ValidationError(`${prepared.connector.definition.name} ${prepared.connector.definition.version} has no action "${actionKey}"`);
        for (const i of indexes) results[i] = { ok: false, error };
        continue;
      }
      const valid: number[] = [];
      const inputs: unknown[] = [];
      for (const i of indexes) {
        // Validated when recorded, by this connector version: sent as stored. Rows checked by
        // another version (an upgrade meanwhile) or by none (a replay) are validated again.
        if (rows[i].checkedVersion === version) {
          valid.push(i);
          inputs.push(rows[i].input);
          continue;
        }
        const parsed = action.input.safeParse(rows[i].input);
        if (parsed.success) {
          valid.push(i);
          inputs.push(parsed.data);
        } else {
          results[i] = { ok: false, error: new ValidationError(`Input of action "${actionKey}" is invalid`, zodFieldErrors(parsed.error)) };
        }
      }
      if (valid.length === 0) continue;
      let out: BatchItemResult<unknown>[];
      try {
        out = await raceAbort(this.perform(action, ctx, inputs), run.signal);
      } catch (err) {
        if (run.signal.aborted) throw err;
        const error = prepared.redactor.error(err) as Error;
        out = inputs.map(() => ({ ok: false, error }));
      }
      if (out.length !== valid.length) {
        throw new Error(`performBatch of "${actionKey}" returned ${out.length} results for ${valid.length} inputs`);
      }
      valid.forEach((rowIndex, k) => {
        const r = out[k];
        results[rowIndex] = r.ok ? r : { ok: false, error: prepared.redactor.error(r.error) };
      });
    }
    return results;
  }

  private async perform(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    action: { perform: (ctx: any, input: any) => Promise<unknown>; performBatch?: (ctx: any, inputs: any[]) => Promise<BatchItemResult<unknown>[]> },
    ctx: unknown,
    inputs: unknown[],
  ): Promise<BatchItemResult<unknown>[]> {
    if (action.performBatch) return action.performBatch(ctx, inputs);
    const out: BatchItemResult<unknown>[] = [];
    for (const input of inputs) {
      try {
        out.push({ ok: true, output: await action.perform(ctx, input) });
      } catch (error) {
        out.push({ ok: false, error: error as Error });
      }
    }
    return out;
  }

  /** Marks rows and writes the dead letters in the lane's transaction: both or neither. */
  private async record(qr: QueryRunner, run: FlushRun, claimed: ClaimedDelivery[], outcome: LaneOutcome): Promise<void> {
    const { workspaceId, id: installationId } = run.prepared.installation;
    // Message ids are stored at record time; only ids the connector reported otherwise are written.
    const heldIds = new Map(claimed.map((c) => [c.id, c.messageIds]));
    const sent = outcome.sent.map((r) => (r.messageIds && !sameIds(r.messageIds, heldIds.get(r.id)) ? r : { id: r.id }));
    await this.store.markSent(qr, workspaceId, sent);
    for (const [reason, ids] of outcome.failed) await this.store.markUnsent(qr, workspaceId, ids, 'failed', reason);
    const attemptsOf = new Map(claimed.map((c) => [c.id, c.attempts + 1]));
    for (const group of outcome.dead.values()) {
      await this.store.markUnsent(qr, workspaceId, group.ids, 'dead', group.reason);
      const payload: RedeliverJobData = { workspaceId, installationId, deliveryIds: group.ids };
      await qr.query(
        `INSERT INTO dead_letters (workspace_id, installation_id, queue, job_name, payload, error_code, reason, attempts)
         VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8)`,
        [
          workspaceId,
          installationId,
          DELIVERY_QUEUE,
          REDELIVER_JOB,
          JSON.stringify(payload),
          group.code === 'VALIDATION_FAILED' ? DeliveryErrorCode.InvalidInput : group.code,
          `${group.ids.length} ${group.ids.length === 1 ? 'delivery' : 'deliveries'}: ${group.reason}`.slice(0, 2000),
          Math.max(...group.ids.map((id) => attemptsOf.get(id) ?? 1)),
        ],
      );
    }
  }

  /** Auth or configuration trouble is the installation's, not one message's: the admin sees it. */
  private async flag(workspaceId: string, installationId: string, err: unknown): Promise<void> {
    await this.dataSource
      .query(`UPDATE installations SET status = 'needs_attention', status_message = $3, updated_at = now() WHERE id = $1 AND workspace_id = $2 AND enabled`, [
        installationId,
        workspaceId,
        failureReason(err).slice(0, 1000),
      ])
      .catch((e: Error) => this.logger.warn({ msg: 'could not flag installation', installationId, err: e.message }));
  }
}
