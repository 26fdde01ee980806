import { InvalidCursorError, type PageQuery, parsePageQuery, toPage } from '@hub/persistence';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AuthErrors } from './auth.exception';

/** `limit` and `cursor` from a query string; a bad one is a 400, never a 500. */
export function readPage(query: Record<string, unknown>): PageQuery {
  try {
    return parsePageQuery(query);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw AuthErrors.invalidCursor(err.message);
    throw err;
  }
}

/**
 * Keyset sort key: Postgres keeps microseconds but a cursor carries a JS date (milliseconds), so
 * rows are ordered and compared by the millisecond-truncated time, then id. Ordering by the raw
 * column while comparing the truncated one would skip or repeat rows that share a millisecond.
 */
export const sortKey = (alias: string, idColumn = 'id') => `(date_trunc('milliseconds', ${alias}.created_at), ${alias}.${idColumn})`;

/** One page of an entity query, oldest first. */
export async function pageOf<T extends ObjectLiteral & { createdAt: Date; id: string }, R>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  page: PageQuery,
  map: (row: T) => R,
): Promise<{ items: R[]; nextCursor: string | null }> {
  if (page.after) {
    qb.andWhere(`${sortKey(alias)} > (:afterAt::timestamptz, :afterId::uuid)`, {
      afterAt: page.after.createdAt,
      afterId: page.after.id,
    });
  }
  const rows = await qb
    .orderBy(`date_trunc('milliseconds', ${alias}.created_at)`, 'ASC')
    .addOrderBy(`${alias}.id`, 'ASC')
    .limit(page.limit + 1)
    .getMany();
  return toPage(rows, page.limit, map);
}
