import { Inject, Injectable, Logger } from '@nestjs/common';
import { HUB_CONFIG, type HubEnv } from '@hub/config';
import { ConnectorRegistry } from '@hub/host';
import { QueueRegistry } from '@hub/queue';
import type { ActionDefinition } from '@hub/sdk';
import { type Job, UnrecoverableError } from 'bullmq';
import { DataSource, type QueryRunner } from 'typeorm';
import { z } from 'zod';
import { DeliveryRecorder } from '../ledger/delivery-recorder.service';
import { DeliveryStore } from '../ledger/delivery-store.service';
import type { NewDelivery } from '../ledger/delivery-row';
import { applyMapping, matchesFilter, type Scope } from './subscription-match';
import type { SubscriptionFilter, SubscriptionMapping } from './subscription.schemas';

/** TEAM.md contract 5: the drain enqueues this after each committed drain (ids only). */
export const SUBSCRIPTIONS_QUEUE = 'subscriptions';
export const FANOUT_INBOX_JOB = 'fanout-inbox';
export const FANOUT_RELAY_JOB = 'fanout-relay';
export const fanoutJobOptions = (workspaceId: string) => ({ deduplication: { id: `fanout:${workspaceId}` } });

/** Inbox rows per transaction (each holds up to 2,500 events). */
const INBOX_ROWS_PER_PASS = 20;
/** Processed rows younger than this belong to a fan-out about to run; the relay leaves them. */
const RELAY_GRACE_SECONDS = 5;

interface SubscriptionRow {
  id: string;
  installation_id: string;
  connector_id: string;
  action: string;
  filter: SubscriptionFilter;
  mapping: SubscriptionMapping;
}

interface EventRow {
  id: string;
  message_id: string;
  type: string;
  event: string | null;
  user_id: string | null;
  anonymous_id: string | null;
  group_id: string | null;
  previous_id: string | null;
  account_id: string | null;
  properties: Record<string, unknown> | null;
  traits: Record<string, unknown> | null;
  context: Record<string, unknown>;
  timestamp: Date;
  received_at: Date;
}

const usesProfile = (s: SubscriptionRow) =>
  s.filter.on === 'profile' || JSON.stringify([s.filter, s.mapping]).includes('"profile.');

/**
 * The subscription fan-out (`fanout-inbox {workspaceId}` on the `subscriptions` queue). In one
 * transaction per pass: claim processed, not fanned-out inbox rows (`FOR UPDATE SKIP LOCKED`),
 * read their projected events from `events` by `inbox_id` (echoes, duplicates and ignored events
 * were already dropped by the drain), match every enabled subscription, map, insert deliveries
 * (`source_key = sub:<sid>:<messageId>`, so a repeated pass inserts nothing twice and the
 * outbound messageId derived from it is the same), mark the inbox rows. Then one flush per
 * installation that got rows.
 */
@Injectable()
export class FanoutProcessor {
  private readonly logger = new Logger('SubscriptionFanout');

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: DeliveryStore,
    private readonly recorder: DeliveryRecorder,
    private readonly registry: ConnectorRegistry,
    private readonly queues: QueueRegistry,
    @Inject(HUB_CONFIG) private readonly config: HubEnv,
  ) {}

  async process(job: Job): Promise<{ inboxRows: number; deliveries: number }> {
    const parsed = z.object({ workspaceId: z.uuid() }).safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError('Invalid fanout-inbox payload: workspaceId must be a UUID');
    const { workspaceId } = parsed.data;
    const totals = { inboxRows: 0, deliveries: 0 };
    const flushes = new Set<string>();
    const drain = async () => {
      for (;;) {
        const pass = await this.pass(workspaceId, flushes);
        totals.inboxRows += pass.inboxRows;
        totals.deliveries += pass.deliveries;
        if (pass.inboxRows < INBOX_ROWS_PER_PASS) return;
      }
    };
    await drain();
    // Rows processed from now on get a new job; rows processed before are seen by this pass.
    await job.removeDeduplicationKey().catch(() => false);
    await drain();
    for (const installationId of flushes) await this.recorder.enqueueFlush(workspaceId, installationId);
    if (totals.deliveries) this.logger.log({ msg: 'fanned out', workspaceId, ...totals, installations: flushes.size });
    return totals;
  }

  private async pass(workspaceId: string, flushes: Set<string>): Promise<{ inboxRows: number; deliveries: number }> {
    const qr = this.dataSource.createQueryRunner();
    await qr.connect();
    try {
      await qr.startTransaction();
      const inbox = (await qr.query(
        `SELECT id FROM inbox WHERE workspace_id = $1 AND processed_at IS NOT NULL AND fanned_out_at IS NULL
         ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [workspaceId, INBOX_ROWS_PER_PASS],
      )) as { id: string }[];
      if (inbox.length === 0) {
        await qr.commitTransaction();
        return { inboxRows: 0, deliveries: 0 };
      }
      const ids = inbox.map((r) => r.id);
      const subs = (await qr.query(
        `SELECT s.id, s.installation_id, i.connector_id, s.action, s.filter, s.mapping FROM subscriptions s
         JOIN installations i ON i.id = s.installation_id AND i.workspace_id = s.workspace_id
         WHERE s.workspace_id = $1 AND s.enabled AND i.enabled`,
        [workspaceId],
      )) as SubscriptionRow[];
      let deliveries = 0;
      if (subs.length) deliveries = await this.fanOut(qr, workspaceId, ids, subs, flushes);
      await qr.query(`UPDATE inbox SET fanned_out_at = now() WHERE workspace_id = $1 AND id = ANY($2::bigint[])`, [workspaceId, ids]);
      await qr.commitTransaction();
      return { inboxRows: inbox.length, deliveries };
    } catch (err) {
      await qr.rollbackTransaction().catch(() => undefined);
      throw err;
    } finally {
      await qr.release();
    }
  }

  private async fanOut(qr: QueryRunner, workspaceId: string, inboxIds: string[], subs: SubscriptionRow[], flushes: Set<string>): Promise<number> {
    const events = (await qr.query(
      `SELECT id, message_id, type, event, user_id, anonymous_id, group_id, previous_id, account_id, properties, traits, context, "timestamp", received_at
       FROM events WHERE workspace_id = $1 AND inbox_id = ANY($2::bigint[]) ORDER BY id`,
      [workspaceId, inboxIds],
    )) as EventRow[];
    if (events.length === 0) return 0;
    const profiles = subs.some(usesProfile) ? await this.profiles(qr, workspaceId, events) : undefined;
    const rowsByInstallation = new Map<string, NewDelivery[]>();
    for (const sub of subs) {
      const action = this.actionOf(sub);
      if (!action) continue;
      const messages: { input: unknown; key: string }[] = [];
      for (const e of events) {
        const scope = this.scope(e, profiles);
        if (!matchesFilter(sub.filter, scope)) continue;
        const input = applyMapping(sub.mapping, scope);
        if (input) messages.push({ input, key: `sub:${sub.id}:${e.message_id}` });
      }
      if (messages.length === 0) continue;
      const { rows } = this.recorder.rowsFor(action, sub.action, messages, {
        source: 'subscription',
        subscriptionId: sub.id,
        checkedVersion: this.registry.find(sub.connector_id)?.definition.version,
      });
      rowsByInstallation.set(sub.installation_id, [...(rowsByInstallation.get(sub.installation_id) ?? []), ...rows]);
    }
    let inserted = 0;
    for (const [installationId, rows] of rowsByInstallation) {
      const ids = await this.store.insert(workspaceId, installationId, rows, qr);
      inserted += ids.size;
      if (rows.some((r) => r.status === 'queued' && ids.has(r.id))) flushes.add(installationId);
    }
    return inserted;
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private actionOf(sub: SubscriptionRow): ActionDefinition<any, any, any> | undefined {
    const actions = this.registry.find(sub.connector_id)?.definition.actions ?? {};
    return Object.hasOwn(actions, sub.action) ? actions[sub.action] : undefined;
  }

  private scope(e: EventRow, profiles: Map<string, Record<string, unknown>> | undefined): Scope {
    const profileKey = e.type === 'group' ? (e.group_id ? `a:${e.group_id}` : undefined) : e.user_id ? `u:${e.user_id}` : undefined;
    const clean = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));
    return clean({
      type: e.type,
      event: e.event,
      name: (e.properties as { name?: unknown } | null)?.name,
      userId: e.user_id,
      anonymousId: e.anonymous_id,
      groupId: e.group_id,
      previousId: e.previous_id,
      accountId: e.account_id,
      properties: e.properties ?? undefined,
      traits: e.traits ?? undefined,
      context: e.context,
      timestamp: e.timestamp.toISOString(),
      receivedAt: e.received_at.toISOString(),
      messageId: e.message_id,
      profile: profileKey ? profiles?.get(profileKey) : undefined,
    });
  }

  /** The profiles the batch's events touch, after the drain projected them (users by userId, accounts by groupId). */
  private async profiles(qr: QueryRunner, workspaceId: string, events: EventRow[]): Promise<Map<string, Record<string, unknown>>> {
    const userIds = [...new Set(events.map((e) => e.user_id).filter((v): v is string => !!v))];
    const groupIds = [...new Set(events.filter((e) => e.type === 'group').map((e) => e.group_id).filter((v): v is string => !!v))];
    const out = new Map<string, Record<string, unknown>>();
    if (userIds.length) {
      const rows = (await qr.query(`SELECT user_id, email, traits FROM profile_users WHERE workspace_id = $1 AND user_id = ANY($2::text[])`, [workspaceId, userIds])) as {
        user_id: string;
        email: string | null;
        traits: Record<string, unknown>;
      }[];
      for (const r of rows) out.set(`u:${r.user_id}`, { userId: r.user_id, email: r.email, traits: r.traits });
    }
    if (groupIds.length) {
      const rows = (await qr.query(`SELECT group_id, name, traits FROM profile_accounts WHERE workspace_id = $1 AND group_id = ANY($2::text[])`, [workspaceId, groupIds])) as {
        group_id: string;
        name: string | null;
        traits: Record<string, unknown>;
      }[];
      for (const r of rows) out.set(`a:${r.group_id}`, { groupId: r.group_id, name: r.name, traits: r.traits });
    }
    return out;
  }

  /** The relay: workspaces whose processed inbox rows were not fanned out (a lost job, a crash). */
  async relay(): Promise<{ enqueued: number }> {
    const rows = (await this.dataSource.query(
      `SELECT DISTINCT workspace_id FROM inbox WHERE processed_at IS NOT NULL AND fanned_out_at IS NULL
         AND processed_at < now() - make_interval(secs => $1)`,
      [RELAY_GRACE_SECONDS],
    )) as { workspace_id: string }[];
    for (const r of rows) {
      await this.queues.add(SUBSCRIPTIONS_QUEUE, FANOUT_INBOX_JOB, { workspaceId: r.workspace_id }, fanoutJobOptions(r.workspace_id));
    }
    return { enqueued: rows.length };
  }

  async schedule(): Promise<void> {
    await this.queues.produce(() =>
      this.queues.get(SUBSCRIPTIONS_QUEUE).upsertJobScheduler(
        FANOUT_RELAY_JOB,
        { every: this.config.HUB_DELIVERY_RELAY_INTERVAL_MS },
        { name: FANOUT_RELAY_JOB, data: {}, opts: { attempts: 1, removeOnComplete: 10, removeOnFail: 10 } },
      ),
    );
  }
}
