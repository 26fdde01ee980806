import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Opaque keyset cursors for list endpoints (API.md: `limit` default 50, max 500, `cursor`).
 * The cursor encodes the sort key of the last item; it is base64url JSON, not a secret.
 */
export interface PageQuery {
  limit: number;
  after?: { createdAt: string; id: string };
}

export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
}

export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      !Number.isNaN(Date.parse(value[0])) &&
      typeof value[1] === 'string' &&
      /^[0-9a-f-]{36}$/i.test(value[1])
    ) {
      return { createdAt: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError('cursor is not valid; pass the nextCursor of a previous page');
}

export function parsePageQuery(query: { limit?: unknown; cursor?: unknown }): PageQuery {
  let limit = 50;
  if (query.limit !== undefined && query.limit !== '') {
    const n = Number(query.limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      throw new InvalidCursorError('limit must be an integer from 1 to 500');
    }
    limit = n;
  }
  const after = typeof query.cursor === 'string' && query.cursor ? decodeCursor(query.cursor) : undefined;
  return { limit, after };
}

/** `parsePageQuery`, with a bad `limit` or `cursor` turned into the caller's own 400 error. */
export function readPageQuery(query: { limit?: unknown; cursor?: unknown }, invalid: (message: string) => Error): PageQuery {
  try {
    return parsePageQuery(query);
  } catch (err) {
    if (err instanceof InvalidCursorError) throw invalid(err.message);
    throw err;
  }
}

/**
 * Keyset sort key: Postgres keeps microseconds but a cursor carries a JS date (milliseconds), so
 * rows are ordered and compared by the millisecond-truncated time, then id. Ordering by the raw
 * column while comparing the truncated one would skip or repeat rows that share a millisecond.
 */
export const keysetSortKey = (alias: string, idColumn = 'id') => `(date_trunc('milliseconds', ${alias}.created_at), ${alias}.${idColumn})`;

/**
 * Orders an entity query by (created_at, id), oldest first (`ASC`) or newest first (`DESC`),
 * starts it after the page's cursor and fetches `limit + 1` rows, so `toPage` can tell whether
 * there is a next page.
 */
export function keysetPage<T extends ObjectLiteral>(qb: SelectQueryBuilder<T>, alias: string, page: PageQuery, direction: 'ASC' | 'DESC' = 'ASC'): SelectQueryBuilder<T> {
  if (page.after) {
    qb.andWhere(`${keysetSortKey(alias)} ${direction === 'ASC' ? '>' : '<'} (:afterAt::timestamptz, :afterId::uuid)`, {
      afterAt: page.after.createdAt,
      afterId: page.after.id,
    });
  }
  return qb
    .orderBy(`date_trunc('milliseconds', ${alias}.created_at)`, direction)
    .addOrderBy(`${alias}.id`, direction)
    .limit(page.limit + 1);
}

/** Given `limit + 1` rows sorted by (createdAt, id), the page and the next cursor. */
export function toPage<T extends { createdAt: Date; id: string }, R>(
  rows: T[],
  limit: number,
  map: (row: T) => R,
): { items: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(map),
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id) : null,
  };
}
