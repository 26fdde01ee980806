import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeKeyset, pageOf } from './keyset-cursor';
import type { CatalogEventsQuery, CatalogTraitsQuery } from './profiles.schemas';

export interface CatalogTraitView {
  entity: 'user' | 'account';
  key: string;
  type: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
}

export interface CatalogEventView {
  name: string;
  status: 'tracked' | 'ignored';
  count: number;
  ignoredCount: number;
  firstSeenAt: string | null;
  lastSeenAt: string | null;
}

interface TraitRow {
  entity: 'user' | 'account';
  key: string;
  type: string;
  count: string;
  first_seen_at: Date;
  last_seen_at: Date;
}

interface EventRow {
  name: string;
  status: 'tracked' | 'ignored';
  count: string;
  ignored_count: string;
  first_seen_at: Date | null;
  last_seen_at: Date | null;
}

const toEventView = (row: EventRow): CatalogEventView => ({
  name: row.name,
  status: row.status,
  count: Number(row.count),
  ignoredCount: Number(row.ignored_count),
  firstSeenAt: row.first_seen_at?.toISOString() ?? null,
  lastSeenAt: row.last_seen_at?.toISOString() ?? null,
});

/** The catalog the drain keeps: trait keys per entity (dimensions) and track event names (metrics). */
@Injectable()
export class CatalogService {
  constructor(private readonly dataSource: DataSource) {}

  /** Alphabetical by entity, then key. */
  async traits(workspaceId: string, query: CatalogTraitsQuery): Promise<{ items: CatalogTraitView[]; nextCursor: string | null }> {
    const after = decodeKeyset(query.cursor, ['string', 'string']);
    const params: unknown[] = [workspaceId];
    const where = ['workspace_id = $1'];
    if (query.entity) {
      params.push(query.entity);
      where.push(`entity = $${params.length}`);
    }
    if (after) {
      params.push(after[0], after[1]);
      where.push(`(entity, key) > ($${params.length - 1}, $${params.length})`);
    }
    const rows = (await this.dataSource.query(
      `SELECT entity, key, type, count, first_seen_at, last_seen_at FROM catalog_traits
       WHERE ${where.join(' AND ')} ORDER BY entity, key LIMIT ${query.limit + 1}`,
      params,
    )) as TraitRow[];
    return pageOf(
      rows,
      query.limit,
      (row) => [row.entity, row.key],
      (row) => ({
        entity: row.entity,
        key: row.key,
        type: row.type,
        count: Number(row.count),
        firstSeenAt: row.first_seen_at.toISOString(),
        lastSeenAt: row.last_seen_at.toISOString(),
      }),
    );
  }

  /** Alphabetical by name. */
  async events(workspaceId: string, query: CatalogEventsQuery): Promise<{ items: CatalogEventView[]; nextCursor: string | null }> {
    const after = decodeKeyset(query.cursor, ['string']);
    const rows = (await this.dataSource.query(
      `SELECT name, status, count, ignored_count, first_seen_at, last_seen_at FROM catalog_events
       WHERE workspace_id = $1 ${after ? 'AND name > $2' : ''} ORDER BY name LIMIT ${query.limit + 1}`,
      after ? [workspaceId, after[0]] : [workspaceId],
    )) as EventRow[];
    return pageOf(rows, query.limit, (row) => [row.name], toEventView);
  }

  /**
   * Tracks or ignores an event name. A name not seen yet is added, so an admin can ignore an
   * event before its first delivery. Takes effect from the next drain batch on; events already
   * projected stay.
   */
  async setStatus(workspaceId: string, name: string, status: 'tracked' | 'ignored'): Promise<CatalogEventView> {
    const [row] = (await this.dataSource.query(
      `INSERT INTO catalog_events (workspace_id, name, status) VALUES ($1, $2, $3)
       ON CONFLICT (workspace_id, name) DO UPDATE SET status = EXCLUDED.status, updated_at = now()
       RETURNING name, status, count, ignored_count, first_seen_at, last_seen_at`,
      [workspaceId, name, status],
    )) as EventRow[];
    return toEventView(row);
  }
}
