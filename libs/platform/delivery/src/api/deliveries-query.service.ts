import { Injectable } from '@nestjs/common';
import { ApiError } from '@hub/http';
import { InvalidCursorError, parsePageQuery, toPage } from '@hub/persistence';
import { DataSource } from 'typeorm';
import { DeliveryErrorCode } from '../delivery.exception';
import { type DeliveryDbRow, type DeliveryView, toDeliveryView } from '../ledger/delivery-row';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const STATUSES = new Set(['queued', 'sent', 'failed', 'dead']);
const COLUMNS = 'id, installation_id, action, status, attempts, last_error, message_ids, source, subscription_id, created_at, sent_at';

/** The ledger as the API reads it: newest first, scoped by workspace (another one's id is a 404). */
@Injectable()
export class DeliveriesQuery {
  constructor(private readonly dataSource: DataSource) {}

  async list(workspaceId: string, query: Record<string, unknown>): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    let page;
    try {
      page = parsePageQuery(query);
    } catch (err) {
      if (err instanceof InvalidCursorError) throw ApiError.badRequest('INVALID_CURSOR', err.message);
      throw err;
    }
    const where = ['workspace_id = $1'];
    const params: unknown[] = [workspaceId];
    const fields: { path: string; message: string }[] = [];
    if (query.installationId !== undefined) {
      if (typeof query.installationId !== 'string' || !UUID.test(query.installationId)) fields.push({ path: 'installationId', message: 'must be a UUID' });
      else {
        params.push(query.installationId);
        where.push(`installation_id = $${params.length}`);
      }
    }
    if (query.status !== undefined) {
      if (typeof query.status !== 'string' || !STATUSES.has(query.status)) fields.push({ path: 'status', message: 'must be one of queued, sent, failed, dead' });
      else {
        params.push(query.status);
        where.push(`status = $${params.length}`);
      }
    }
    if (fields.length) throw ApiError.validation(fields, 'Query');
    if (page.after) {
      params.push(page.after.createdAt, page.after.id);
      where.push(`(date_trunc('milliseconds', created_at), id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    const rows = (await this.dataSource.query(
      `SELECT ${COLUMNS} FROM deliveries WHERE ${where.join(' AND ')}
       ORDER BY date_trunc('milliseconds', created_at) DESC, id DESC LIMIT $${params.length}`,
      params,
    )) as (DeliveryDbRow & { createdAt?: Date })[];
    const withKeys = rows.map((r) => Object.assign(r, { createdAt: r.created_at }));
    return toPage(withKeys, page.limit, toDeliveryView);
  }

  async get(workspaceId: string, id: string): Promise<DeliveryView> {
    const rows = UUID.test(id)
      ? ((await this.dataSource.query(`SELECT ${COLUMNS} FROM deliveries WHERE id = $1 AND workspace_id = $2`, [id, workspaceId])) as DeliveryDbRow[])
      : [];
    if (rows.length === 0) throw ApiError.notFound('Delivery', DeliveryErrorCode.DeliveryNotFound);
    return toDeliveryView(rows[0]);
  }
}
