/** What the committer needs of a pg Pool. */
export interface StatementRunner {
  query(text: string, values: unknown[]): Promise<unknown>;
}

/** One request's rows: at most one `inbox` row (its accepted events) and its rejected events. */
export interface InboxEntry {
  workspaceId: string;
  installationId: string;
  /** ISO-8601. */
  receivedAt: string;
  /** Accepted events; 0 writes no inbox row. */
  eventCount: number;
  /** The accepted events as a binary `jsonb` parameter (`jsonbArrayParam`), when `eventCount > 0`. */
  events: Buffer | null;
  /** Rejected rows as JSON objects (`message_id`, `batch_index`, `errors`, `bytes`, `payload`), each one JSON text. */
  rejected: string[];
}

export interface GroupCommitOptions {
  /** Statements in flight at once; requests arriving meanwhile wait and go together in the next. */
  maxInFlight: number;
  /** Requests per statement (5 parameters each). */
  maxEntries: number;
  /** Soft cap on a statement's event bytes: a group closes once past it (one entry always goes). */
  maxBytes: number;
}

export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitOptions> = Object.freeze({
  maxInFlight: 2,
  maxEntries: 256,
  maxBytes: 4 * 1024 * 1024,
});

interface Waiting {
  entry: InboxEntry;
  bytes: number;
  signal?: AbortSignal;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * SQLSTATE classes after which the server has certainly rolled the statement back and the
 * connection is healthy: the data of some request was refused (22 data exception, 23 integrity
 * constraint, 54 program limit) or the transaction lost a race (40). A group failing so is split
 * and retried, so only the request at fault fails. Anything else (a lost connection, a timeout,
 * Postgres shutting down, or class 42, a statement or schema error no request's data causes, so
 * every half would fail again) fails the whole group: its outcome may be unknown, and retrying
 * would only push the answers past the senders' deadline.
 */
const ISOLATABLE = /^(22|23|40|54)/;

function isolatable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.length === 5 && ISOLATABLE.test(code);
}

/**
 * Group commit at the edge. Every request still answers only after the commit that holds its
 * rows, but requests that arrive while earlier statements are in flight share the next one: one
 * multi-row INSERT statement (atomic, one transaction, one WAL flush) instead of one each. Under
 * light load a request goes alone at once (no added delay); under load the number of statements,
 * fsyncs and pool connections stays at `maxInFlight`, however many requests wait, so a burst of
 * single-event requests queues in memory for milliseconds instead of exhausting the pool.
 *
 * Failure isolation: a group the server refuses for some request's data is split in halves and
 * each half committed on its own, down to the single request at fault; the others commit.
 * A request whose deadline passed before its group was sent is dropped from it (never committed
 * after its sender was told 503).
 */
export class InboxCommitter {
  private readonly waiting: Waiting[] = [];
  private inFlight = 0;
  private scheduled = false;

  constructor(
    private readonly pool: StatementRunner,
    private readonly options: GroupCommitOptions = DEFAULT_GROUP_COMMIT,
  ) {}

  /** Resolves once the entry is committed; rejects with the database's error otherwise. */
  commit(entry: InboxEntry, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ entry, bytes: entry.events?.length ?? 0, signal, resolve, reject });
      this.schedule();
    });
  }

  /** Requests waiting for a statement (not counting those in flight). */
  get backlog(): number {
    return this.waiting.length;
  }

  // Requests whose bodies were read in the same turn of the event loop join one statement: the
  // flush runs after the current I/O callbacks, not inside the first one.
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      while (this.inFlight < this.options.maxInFlight && this.waiting.length > 0) {
        const group = this.take();
        if (group.length > 0) void this.run(group);
      }
    });
  }

  private take(): Waiting[] {
    const group: Waiting[] = [];
    let bytes = 0;
    while (this.waiting.length > 0 && group.length < this.options.maxEntries) {
      const next = this.waiting[0];
      if (group.length > 0 && bytes + next.bytes > this.options.maxBytes) break;
      this.waiting.shift();
      if (next.signal?.aborted) {
        next.reject(next.signal.reason);
        continue;
      }
      group.push(next);
      bytes += next.bytes;
    }
    return group;
  }

  private async run(group: Waiting[]): Promise<void> {
    this.inFlight++;
    try {
      await this.settle(group);
    } finally {
      this.inFlight--;
      this.schedule();
    }
  }

  private async settle(all: Waiting[]): Promise<void> {
    // Halves are retried one after another: a request whose deadline fired meanwhile has been
    // answered 503 and must not be committed now.
    const group = all.filter((w) => {
      if (!w.signal?.aborted) return true;
      w.reject(w.signal.reason);
      return false;
    });
    if (group.length === 0) return;
    try {
      await this.write(group.map((w) => w.entry));
    } catch (err) {
      if (group.length > 1 && isolatable(err)) {
        const half = Math.ceil(group.length / 2);
        await this.settle(group.slice(0, half));
        await this.settle(group.slice(half));
        return;
      }
      for (const w of group) w.reject(err);
      return;
    }
    for (const w of group) w.resolve();
  }

  private async write(entries: InboxEntry[]): Promise<void> {
    const { text, values } = groupStatement(entries);
    if (text) await this.pool.query(text, values);
  }
}

/**
 * One statement for a group: a multi-row INSERT of the inbox rows (events as binary jsonb
 * parameters) and the rejected rows from one JSON array, both in one implicit transaction.
 */
export function groupStatement(entries: readonly InboxEntry[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const rows: string[] = [];
  const rejected: string[] = [];
  for (const e of entries) {
    if (e.eventCount > 0 && e.events) {
      const n = values.push(e.workspaceId, e.installationId, e.receivedAt, e.eventCount, e.events);
      rows.push(`($${n - 4}::uuid, $${n - 3}::uuid, $${n - 2}::timestamptz, $${n - 1}::integer, $${n}::jsonb)`);
    }
    if (e.rejected.length > 0) {
      const head = `{"workspace_id":${JSON.stringify(e.workspaceId)},"installation_id":${JSON.stringify(e.installationId)},"received_at":${JSON.stringify(e.receivedAt)},"row":`;
      for (const r of e.rejected) rejected.push(`${head}${r}}`);
    }
  }
  const parts: string[] = [];
  if (rows.length > 0) {
    parts.push(`inbox_rows AS (
  INSERT INTO inbox (workspace_id, installation_id, received_at, event_count, events)
  VALUES ${rows.join(', ')}
  RETURNING 1
)`);
  }
  if (rejected.length > 0) {
    const n = values.push(`[${rejected.join(',')}]`);
    parts.push(`rejected_rows AS (
  INSERT INTO rejected_events (workspace_id, installation_id, received_at, message_id, batch_index, errors, bytes, payload)
  SELECT s.workspace_id, s.installation_id, s.received_at, r.message_id, r.batch_index, r.errors, r.bytes, r.payload
  FROM jsonb_to_recordset($${n}::jsonb) AS s(workspace_id uuid, installation_id uuid, received_at timestamptz, "row" jsonb),
       jsonb_to_record(s."row") AS r(message_id text, batch_index integer, errors jsonb, bytes integer, payload jsonb)
  RETURNING 1
)`);
  }
  if (parts.length === 0) return { text: '', values: [] };
  const counts = [rows.length > 0 ? '(SELECT count(*) FROM inbox_rows)::int AS inbox_rows' : '0 AS inbox_rows'];
  counts.push(rejected.length > 0 ? '(SELECT count(*) FROM rejected_rows)::int AS rejected' : '0 AS rejected');
  return { text: `WITH ${parts.join(', ')}\nSELECT ${counts.join(', ')}`, values };
}
