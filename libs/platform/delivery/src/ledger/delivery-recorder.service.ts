import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConnectorRegistry, type ActionDispatcher, type ActionDispatchRequest, type RegisteredConnector } from '@hub/host';
import { ApiError } from '@hub/http';
import { QueueRegistry } from '@hub/queue';
import { type ActionDefinition, zodFieldErrors } from '@hub/sdk';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { DELIVERY_QUEUE, FLUSH_JOB, flushJobOptions, type FlushJobData } from '../delivery-queue';
import { DeliveryErrorCode } from '../delivery.exception';
import type { DeliverySource, NewDelivery } from './delivery-row';
import { DeliveryStore } from './delivery-store.service';
import { toJson, withMessageId } from './message-id';

/** One message for the programmatic entry point. */
export interface OutboundMessage {
  input: unknown;
  /** Idempotency key within the installation: a second record with the same key is skipped. */
  key?: string;
}

export interface RecordOptions {
  source?: DeliverySource;
  subscriptionId?: string | null;
}

export interface RecordedDelivery {
  deliveryId: string;
  status: 'queued' | 'dead' | 'duplicate';
  /** Why a message was refused (recorded as `dead`, so it is visible in the ledger). */
  errors?: { path: string; message: string }[];
}

/**
 * The ledger's entry points. `dispatch` is the host's action invocation (one delivery, 202);
 * `recordMany` is the programmatic entry the warehouse sync and the subscription fan-out use:
 * many messages in a few statements, invalid ones recorded `dead` with their reason (per-record
 * errors, never a whole batch refused for one bad record). Both commit the rows first, then
 * enqueue one deduplicated `flush` for the installation: a 2xx means the data is in Postgres.
 */
@Injectable()
export class DeliveryRecorder implements ActionDispatcher {
  private readonly logger = new Logger('DeliveryRecorder');

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: DeliveryStore,
    private readonly queues: QueueRegistry,
    private readonly registry: ConnectorRegistry,
  ) {}

  async dispatch(request: ActionDispatchRequest): Promise<{ deliveryId: string }> {
    const { input, messageIds } = withMessageId(request.action.input as z.ZodType, request.input);
    // The host validated the caller's input; what is stored is the schema's output, checked by
    // the running connector version, so the flush does not validate it again.
    const parsed = (request.action.input as z.ZodType).safeParse(input);
    const inputJson = toJson(parsed.success ? parsed.data : input);
    if (inputJson === undefined) throw ApiError.validation([{ path: 'input', message: 'cannot be encoded as JSON' }]);
    const id = randomUUID();
    const row: NewDelivery = {
      id,
      action: request.actionKey,
      status: 'queued',
      inputJson,
      inputBytes: Buffer.byteLength(inputJson, 'utf8'),
      checkedVersion: parsed.success ? request.connector.definition.version : null,
      lastError: null,
      messageIds,
      source: 'api',
      subscriptionId: null,
      sourceKey: null,
    };
    await this.store.insert(request.workspaceId, request.installationId, [row]);
    await this.enqueueFlush(request.workspaceId, request.installationId);
    return { deliveryId: id };
  }

  /**
   * Records messages for an action of an installation (programmatic entry). The installation
   * must exist in the workspace and its connector must have the action; each input is validated
   * with the action's schema.
   */
  async recordMany(
    workspaceId: string,
    installationId: string,
    actionKey: string,
    messages: OutboundMessage[],
    options: RecordOptions = {},
  ): Promise<RecordedDelivery[]> {
    const { connector, action } = await this.actionOf(workspaceId, installationId, actionKey);
    const { rows, results } = this.rowsFor(action, actionKey, messages, { ...options, checkedVersion: connector.definition.version });
    const inserted = await this.store.insert(workspaceId, installationId, rows);
    for (const result of results) if (!inserted.has(result.deliveryId)) result.status = 'duplicate';
    if (results.some((r) => r.status === 'queued')) await this.enqueueFlush(workspaceId, installationId);
    return results;
  }

  /**
   * Builds rows without touching the database (the fan-out inserts them in its own transaction).
   * Each input is validated here, once: a valid row stores the schema's output as JSON with
   * `checkedVersion` (the connector version that accepted it), so the flush sends it without
   * validating again; an invalid one is recorded `dead` with its reasons.
   */
  rowsFor(
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    action: ActionDefinition<any, any, any>,
    actionKey: string,
    messages: OutboundMessage[],
    options: RecordOptions & { checkedVersion?: string } = {},
  ): { rows: NewDelivery[]; results: RecordedDelivery[] } {
    const rows: NewDelivery[] = new Array(messages.length);
    const results: RecordedDelivery[] = new Array(messages.length);
    const schema = action.input as z.ZodType;
    const source = options.source ?? 'programmatic';
    const subscriptionId = options.subscriptionId ?? null;
    messages.forEach((message, k) => {
      const id = randomUUID();
      const sourceKey = message.key ?? null;
      const { input, messageIds } = withMessageId(schema, message.input, sourceKey ?? undefined);
      const parsed = schema.safeParse(input);
      let errors = parsed.success ? undefined : zodFieldErrors(parsed.error).map((f) => ({ path: f.path ? `input.${f.path}` : 'input', message: f.message }));
      let inputJson = toJson(parsed.success ? parsed.data : input);
      if (inputJson === undefined) {
        errors = [...(errors ?? []), { path: 'input', message: 'cannot be encoded as JSON' }];
        inputJson = 'null';
      }
      rows[k] = {
        id,
        action: actionKey,
        status: errors ? 'dead' : 'queued',
        inputJson,
        inputBytes: Buffer.byteLength(inputJson, 'utf8'),
        checkedVersion: errors ? null : (options.checkedVersion ?? null),
        lastError: errors ? `Invalid input: ${errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`.slice(0, 2000) : null,
        messageIds,
        source,
        subscriptionId,
        sourceKey,
      };
      results[k] = { deliveryId: id, status: errors ? 'dead' : 'queued', ...(errors ? { errors } : {}) };
    });
    return { rows, results };
  }

  /** Enqueues the installation's flush (ids only). Idempotent: one waits per installation. */
  async enqueueFlush(workspaceId: string, installationId: string): Promise<void> {
    const data: FlushJobData = { workspaceId, installationId };
    await this.queues.add(DELIVERY_QUEUE, FLUSH_JOB, { ...data }, flushJobOptions(installationId));
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async actionOf(workspaceId: string, installationId: string, actionKey: string): Promise<{ connector: RegisteredConnector; action: ActionDefinition<any, any, any> }> {
    const rows = (await this.dataSource.query(`SELECT connector_id FROM installations WHERE id = $1 AND workspace_id = $2`, [
      installationId,
      workspaceId,
    ])) as { connector_id: string }[];
    if (rows.length === 0) throw ApiError.notFound('Installation', DeliveryErrorCode.InstallationNotFound);
    const connector = this.registry.find(rows[0].connector_id);
    const actions = connector?.definition.actions ?? {};
    const action = Object.hasOwn(actions, actionKey) ? actions[actionKey] : undefined;
    if (!connector || !action) throw ApiError.notFound(`Action "${actionKey}"`, DeliveryErrorCode.ActionNotFound);
    return { connector, action };
  }
}
