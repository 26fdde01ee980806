/**
 * Postgres errors caused by the data of a message rather than by the database being away:
 * a value it refuses (class 22: an unreadable timestamp, a `\u0000` in text), a constraint
 * (23), an id too large for an index (54), a row touched twice by one upsert (21). Retrying
 * cannot help, so the drain isolates the inbox row and sets it aside instead of retrying forever.
 */
const DATA_ERROR_CLASSES = new Set(['21', '22', '23', '54']);

export function isDataError(err: unknown): boolean {
  const e = err as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.code ?? e?.driverError?.code;
  return typeof code === 'string' && code.length === 5 && DATA_ERROR_CLASSES.has(code.slice(0, 2));
}

/** A batch that failed on its data, with the inbox rows it had claimed (rolled back). */
export class DrainBatchDataError extends Error {
  constructor(
    readonly inboxIds: string[],
    override readonly cause: unknown,
  ) {
    super(`drain batch failed on its data: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'DrainBatchDataError';
  }
}
