import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EVENT_COLUMNS, type EventRow, type EventView, toEventView } from './event-views';
import { decodeKeyset, pageOf } from './keyset-cursor';
import type { EventsQuery } from './profiles.schemas';

/** Core events of a workspace, newest first (by id, the order the drain committed them). */
@Injectable()
export class EventsService {
  constructor(private readonly dataSource: DataSource) {}

  async list(workspaceId: string, query: EventsQuery): Promise<{ items: EventView[]; nextCursor: string | null }> {
    const after = decodeKeyset(query.cursor, ['int']);
    const params: unknown[] = [workspaceId];
    const where = ['e.workspace_id = $1'];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (query.type) add('e.type = ?', query.type);
    if (query.event !== undefined) add('e.event = ?', query.event);
    if (query.userId !== undefined) add('e.user_id = ?', query.userId);
    if (query.accountId) add('e.account_id = ?::uuid', query.accountId);
    if (query.since) add('e."timestamp" >= ?::timestamptz', query.since);
    if (query.until) add('e."timestamp" <= ?::timestamptz', query.until);
    if (after) add('e.id < ?::bigint', after[0]);
    const rows = (await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE ${where.join(' AND ')} ORDER BY e.id DESC LIMIT ${query.limit + 1}`,
      params,
    )) as EventRow[];
    return pageOf(rows, query.limit, (row) => [row.id], toEventView);
  }

  /** The latest events attributed to an account (for the account view). */
  async recentForAccount(workspaceId: string, accountId: string, limit = 20): Promise<EventView[]> {
    const rows = (await this.dataSource.query(
      `SELECT ${EVENT_COLUMNS} FROM events e WHERE e.workspace_id = $1 AND e.account_id = $2 ORDER BY e.id DESC LIMIT ${limit}`,
      [workspaceId, accountId],
    )) as EventRow[];
    return rows.map(toEventView);
  }
}
