import { ProfilesErrors } from '../profiles.exception';

/**
 * Opaque keyset cursors: base64url JSON of the last item's sort key (not a secret, and never an
 * offset, so pages stay stable while the worker inserts). Each list checks the shape it expects.
 */
export function encodeKeyset(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeKeyset(cursor: string | undefined, shape: readonly ('string' | 'uuid' | 'time' | 'int')[]): string[] | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw ProfilesErrors.invalidCursor();
  }
  if (!Array.isArray(value) || value.length !== shape.length) throw ProfilesErrors.invalidCursor();
  return value.map((part, i) => {
    if (typeof part !== 'string' || !FORMATS[shape[i]].test(part)) throw ProfilesErrors.invalidCursor();
    return part;
  });
}

const FORMATS = {
  string: /^[\s\S]{0,2000}$/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  // Postgres microsecond timestamps, as the lists select them.
  time: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/,
  int: /^\d{1,19}$/,
};

/** Given `limit + 1` rows, the page and the cursor of its last row. */
export function pageOf<R, T>(rows: R[], limit: number, key: (row: R) => (string | number)[], map: (row: R) => T) {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: rows.length > limit && last ? encodeKeyset(key(last)) : null };
}

/** `LIKE` pattern for a prefix search, with the user's `%`, `_` and `\` taken literally. */
export const prefixPattern = (q: string) => `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** Microsecond UTC text of a timestamptz column, for cursors. */
export const cursorTime = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** Ids in URLs are UUIDs; anything else is answered like a missing object. */
export const isUuid = (value: string): boolean => FORMATS.uuid.test(value);
