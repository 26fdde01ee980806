import { keysetPage, type PageQuery, readPageQuery, toPage } from '@hub/persistence';
import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { AuthErrors } from './auth.exception';

/** `limit` and `cursor` from a query string; a bad one is a 400, never a 500. */
export function readPage(query: Record<string, unknown>): PageQuery {
  return readPageQuery(query, (message) => AuthErrors.invalidCursor(message));
}

/** One page of an entity query, oldest first. */
export async function pageOf<T extends ObjectLiteral & { createdAt: Date; id: string }, R>(
  qb: SelectQueryBuilder<T>,
  alias: string,
  page: PageQuery,
  map: (row: T) => R,
): Promise<{ items: R[]; nextCursor: string | null }> {
  return toPage(await keysetPage(qb, alias, page).getMany(), page.limit, map);
}
