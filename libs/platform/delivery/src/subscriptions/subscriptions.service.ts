import { Injectable } from '@nestjs/common';
import { ConnectorRegistry } from '@hub/host';
import { ApiError } from '@hub/http';
import { InvalidCursorError, parsePageQuery, toPage } from '@hub/persistence';
import { DataSource } from 'typeorm';
import type { z } from 'zod';
import { DeliveryErrorCode } from '../delivery.exception';
import { mappingProblems } from './mapping-check';
import type { CreateSubscriptionBody, SubscriptionFilter, SubscriptionMapping, UpdateSubscriptionBody } from './subscription.schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface SubscriptionView {
  id: string;
  installationId: string;
  action: string;
  filter: SubscriptionFilter;
  mapping: SubscriptionMapping;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  installation_id: string;
  action: string;
  filter: SubscriptionFilter;
  mapping: SubscriptionMapping;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

const view = (r: Row): SubscriptionView => ({
  id: r.id,
  installationId: r.installation_id,
  action: r.action,
  filter: r.filter,
  mapping: r.mapping,
  enabled: r.enabled,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

const notFound = () => ApiError.notFound('Subscription', DeliveryErrorCode.SubscriptionNotFound);

/**
 * Subscriptions of an installation. On save, the action must exist on the installation's
 * connector and the mapping must fit the action's input schema (400 naming each field). Every
 * query names the workspace: another workspace's installation or subscription is a 404.
 */
@Injectable()
export class SubscriptionsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: ConnectorRegistry,
  ) {}

  async list(workspaceId: string, installationId: string, query: Record<string, unknown>): Promise<{ items: SubscriptionView[]; nextCursor: string | null }> {
    await this.installation(workspaceId, installationId);
    let page;
    try {
      page = parsePageQuery(query);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw ApiError.badRequest('INVALID_CURSOR', err.message);
      throw err;
    }
    const params: unknown[] = [workspaceId, installationId, page.limit + 1];
    let after = '';
    if (page.after) {
      params.push(page.after.createdAt, page.after.id);
      after = `AND (date_trunc('milliseconds', created_at), id) > ($4::timestamptz, $5::uuid)`;
    }
    const rows = (await this.dataSource.query(
      `SELECT * FROM subscriptions WHERE workspace_id = $1 AND installation_id = $2 ${after}
       ORDER BY date_trunc('milliseconds', created_at), id LIMIT $3`,
      params,
    )) as Row[];
    return toPage(
      rows.map((r) => Object.assign(r, { createdAt: r.created_at })),
      page.limit,
      view,
    );
  }

  async create(workspaceId: string, installationId: string, body: CreateSubscriptionBody): Promise<SubscriptionView> {
    const connectorId = await this.installation(workspaceId, installationId);
    this.check(connectorId, body.action, body.mapping);
    const [row] = (await this.dataSource.query(
      `INSERT INTO subscriptions (workspace_id, installation_id, action, filter, mapping, enabled)
       VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6) RETURNING *`,
      [workspaceId, installationId, body.action, JSON.stringify(body.filter), JSON.stringify(body.mapping), body.enabled ?? true],
    )) as Row[];
    return view(row);
  }

  async get(workspaceId: string, id: string): Promise<SubscriptionView> {
    return view(await this.load(workspaceId, id));
  }

  async update(workspaceId: string, id: string, body: UpdateSubscriptionBody): Promise<SubscriptionView> {
    const current = await this.load(workspaceId, id);
    const connectorId = await this.installation(workspaceId, current.installation_id);
    const next = {
      action: body.action ?? current.action,
      filter: body.filter ?? current.filter,
      mapping: body.mapping ?? current.mapping,
      enabled: body.enabled ?? current.enabled,
    };
    this.check(connectorId, next.action, next.mapping);
    // TypeORM answers an UPDATE with [rows, affected].
    const [rows] = (await this.dataSource.query(
      `UPDATE subscriptions SET action = $3, filter = $4::jsonb, mapping = $5::jsonb, enabled = $6, updated_at = now()
       WHERE id = $1 AND workspace_id = $2 RETURNING *`,
      [id, workspaceId, next.action, JSON.stringify(next.filter), JSON.stringify(next.mapping), next.enabled],
    )) as [Row[], number];
    if (!rows[0]) throw notFound();
    return view(rows[0]);
  }

  async remove(workspaceId: string, id: string): Promise<void> {
    if (!UUID.test(id)) throw notFound();
    const [, count] = (await this.dataSource.query(`DELETE FROM subscriptions WHERE id = $1 AND workspace_id = $2`, [id, workspaceId])) as [unknown, number];
    if (!count) throw notFound();
  }

  private check(connectorId: string, actionKey: string, mapping: SubscriptionMapping): void {
    const connector = this.registry.find(connectorId);
    const actions = connector?.definition.actions ?? {};
    const action = Object.hasOwn(actions, actionKey) ? actions[actionKey] : undefined;
    if (!action) {
      throw ApiError.validation([{ path: 'action', message: `is not an action of ${connector?.definition.name ?? connectorId} (${Object.keys(actions).join(', ')})` }], 'Subscription');
    }
    const problems = mappingProblems(action.input as z.ZodType, mapping);
    if (problems.length) throw ApiError.validation(problems, 'Subscription mapping');
  }

  private async installation(workspaceId: string, installationId: string): Promise<string> {
    const rows = UUID.test(installationId)
      ? ((await this.dataSource.query(`SELECT connector_id FROM installations WHERE id = $1 AND workspace_id = $2`, [installationId, workspaceId])) as {
          connector_id: string;
        }[])
      : [];
    if (!rows.length) throw ApiError.notFound('Installation', DeliveryErrorCode.InstallationNotFound);
    return rows[0].connector_id;
  }

  private async load(workspaceId: string, id: string): Promise<Row> {
    const rows = UUID.test(id) ? ((await this.dataSource.query(`SELECT * FROM subscriptions WHERE id = $1 AND workspace_id = $2`, [id, workspaceId])) as Row[]) : [];
    if (!rows.length) throw notFound();
    return rows[0];
  }
}
