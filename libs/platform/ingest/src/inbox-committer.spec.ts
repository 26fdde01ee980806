import { groupStatement, InboxCommitter, type InboxEntry } from './inbox-committer';
import { jsonbArrayParam, toPostgresJson } from './postgres-json';

const entry = (n: number, extra: Partial<InboxEntry> = {}): InboxEntry => ({
  workspaceId: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  installationId: '00000000-0000-4000-8000-0000000000ff',
  receivedAt: '2024-05-01T12:00:00.000Z',
  eventCount: 1,
  events: jsonbArrayParam([{ type: 'track', n }]),
  rejected: [],
  ...extra,
});

interface Call {
  text: string;
  values: unknown[];
  finish: (err?: unknown) => void;
}

/** A pool whose statements finish when the test says so. */
function fakePool() {
  const calls: Call[] = [];
  const pool = {
    query: (text: string, values: unknown[]) =>
      new Promise<void>((resolve, reject) => {
        calls.push({ text, values, finish: (err?: unknown) => (err ? reject(err) : resolve()) });
      }),
  };
  return { pool: pool as never, calls };
}

const tick = () => new Promise((r) => setImmediate(r));
const rows = (call: Call) => (call.text.match(/::integer, \$\d+::jsonb\)/g) ?? []).length;
const workspaces = (call: Call) => call.values.filter((v, i) => i % 5 === 0 && typeof v === 'string') as string[];

/** Settles each promise into 'ok' / 'failed' / 'pending' without awaiting it. */
function track(promises: Promise<void>[]) {
  const state = promises.map(() => 'pending' as 'pending' | 'ok' | 'failed');
  promises.forEach((p, i) => p.then(() => (state[i] = 'ok'), () => (state[i] = 'failed')));
  return state;
}

describe('InboxCommitter', () => {
  it('sends a lone request at once, and answers only after its statement finished', async () => {
    const { pool, calls } = fakePool();
    const c = new InboxCommitter(pool, { maxInFlight: 2, maxEntries: 100, maxBytes: 1e6 });
    const state = track([c.commit(entry(1))]);
    await tick();
    expect(calls).toHaveLength(1);
    expect(rows(calls[0])).toBe(1);
    await tick();
    expect(state).toEqual(['pending']); // not committed yet: no answer
    calls[0].finish();
    await tick();
    expect(state).toEqual(['ok']);
  });

  it('puts requests of the same turn in one statement, and later ones in the next while it runs', async () => {
    const { pool, calls } = fakePool();
    const c = new InboxCommitter(pool, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    const first = track([1, 2, 3].map((n) => c.commit(entry(n))));
    await tick();
    expect(calls).toHaveLength(1);
    expect(rows(calls[0])).toBe(3);
    const second = track([4, 5, 6, 7].map((n) => c.commit(entry(n))));
    await tick();
    expect(calls).toHaveLength(1); // the only slot is busy: they wait
    expect(c.backlog).toBe(4);
    calls[0].finish();
    await tick();
    await tick();
    expect(first).toEqual(['ok', 'ok', 'ok']);
    expect(second).toEqual(['pending', 'pending', 'pending', 'pending']);
    expect(calls).toHaveLength(2);
    expect(rows(calls[1])).toBe(4);
    calls[1].finish();
    await tick();
    expect(second).toEqual(['ok', 'ok', 'ok', 'ok']);
  });

  it('respects the entry and byte caps of a statement (one large entry still goes alone)', async () => {
    const { pool, calls } = fakePool();
    const c = new InboxCommitter(pool, { maxInFlight: 1, maxEntries: 2, maxBytes: 1e6 });
    [1, 2, 3, 4, 5].forEach((n) => void c.commit(entry(n)));
    await tick();
    expect(rows(calls[0])).toBe(2);
    const big = { ...entry(9), events: Buffer.alloc(2e6, 0x20) };
    const d = fakePool();
    const byBytes = new InboxCommitter(d.pool, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    void byBytes.commit(big);
    void byBytes.commit(entry(10));
    await tick();
    expect(rows(d.calls[0])).toBe(1);
    d.calls[0].finish();
    await tick();
    await tick();
    expect(rows(d.calls[1])).toBe(1);
  });

  it("isolates a request whose data the server refuses: the others commit, in a few statements", async () => {
    const poison = entry(13).workspaceId;
    const statements: string[][] = [];
    const pool = {
      query: async (_text: string, values: unknown[]) => {
        const ws = values.filter((v, i) => i % 5 === 0 && typeof v === 'string') as string[];
        statements.push(ws);
        if (ws.includes(poison)) throw Object.assign(new Error('insert or update violates foreign key constraint'), { code: '23503' });
      },
    };
    const c = new InboxCommitter(pool as never, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    const results = await Promise.allSettled(Array.from({ length: 32 }, (_, n) => c.commit(entry(n))));
    expect(results.filter((r) => r.status === 'rejected')).toHaveLength(1);
    expect(results[13]).toMatchObject({ status: 'rejected', reason: { code: '23503' } });
    // The first statement holds all 32, then halves down to the one at fault: 2 * log2(32) + 1.
    expect(statements[0]).toHaveLength(32);
    expect(statements.length).toBeLessThanOrEqual(11);
    const committed = new Set(statements.filter((s) => !s.includes(poison)).flat());
    expect(committed.size).toBe(31);
  });

  it('fails the whole group, without retrying, when the database is unreachable or timed out', async () => {
    for (const err of [new Error('Connection terminated unexpectedly'), Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' })]) {
      let statements = 0;
      const pool = {
        query: async () => {
          statements++;
          throw err;
        },
      };
      const c = new InboxCommitter(pool as never, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
      const results = await Promise.allSettled([1, 2, 3].map((n) => c.commit(entry(n))));
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect(statements).toBe(1);
    }
  });

  it('never sends a request whose deadline fired while it waited', async () => {
    const { pool, calls } = fakePool();
    const c = new InboxCommitter(pool, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    void c.commit(entry(1));
    await tick();
    const controller = new AbortController();
    const late = c.commit(entry(2), controller.signal);
    const onTime = c.commit(entry(3));
    controller.abort(new Error('deadline'));
    calls[0].finish();
    await expect(late).rejects.toThrow('deadline');
    await tick();
    expect(calls).toHaveLength(2);
    expect(workspaces(calls[1])).toEqual([entry(3).workspaceId]);
    calls[1].finish();
    await expect(onTime).resolves.toBeUndefined();
    await expect(c.commit(entry(4), controller.signal)).rejects.toThrow('deadline');
  });

  it('never commits a request in a retried half once its deadline fired during the earlier attempt', async () => {
    const poison = entry(1).workspaceId;
    const late = new AbortController();
    const statements: string[][] = [];
    const pool = {
      query: async (_text: string, values: unknown[]) => {
        const ws = values.filter((v, i) => i % 5 === 0 && typeof v === 'string') as string[];
        statements.push(ws);
        // The deadline of request 3 fires while the first, whole-group statement runs.
        if (statements.length === 1) late.abort(new Error('deadline'));
        if (ws.includes(poison)) throw Object.assign(new Error('invalid input syntax'), { code: '22P02' });
      },
    };
    const c = new InboxCommitter(pool as never, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    const results = await Promise.allSettled([c.commit(entry(0)), c.commit(entry(1)), c.commit(entry(2)), c.commit(entry(3), late.signal)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'rejected']);
    expect(results[3]).toMatchObject({ reason: new Error('deadline') });
    expect(statements[0]).toContain(entry(3).workspaceId);
    expect(statements.slice(1).flat()).not.toContain(entry(3).workspaceId);
  });

  it('fails the whole group at once on a statement error no request causes (class 42)', async () => {
    let statements = 0;
    const pool = {
      query: async () => {
        statements++;
        throw Object.assign(new Error('relation "inbox" does not exist'), { code: '42P01' });
      },
    };
    const c = new InboxCommitter(pool as never, { maxInFlight: 1, maxEntries: 100, maxBytes: 1e6 });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => c.commit(entry(n))));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    expect(statements).toBe(1);
  });
});

describe('groupStatement', () => {
  it('writes inbox rows only for entries with events, and rejected rows with their request', () => {
    const onlyRejected = entry(2, { eventCount: 0, events: null, rejected: ['{"message_id":"m","batch_index":0,"errors":[],"bytes":null,"payload":null}'] });
    const { text, values } = groupStatement([entry(1), onlyRejected]);
    expect((text.match(/::integer, \$\d+::jsonb\)/g) ?? []).length).toBe(1);
    expect(text).toContain('INSERT INTO rejected_events');
    expect(values).toHaveLength(6);
    expect(JSON.parse(values[5] as string)).toEqual([
      { workspace_id: onlyRejected.workspaceId, installation_id: onlyRejected.installationId, received_at: onlyRejected.receivedAt, row: { message_id: 'm', batch_index: 0, errors: [], bytes: null, payload: null } },
    ]);
    expect(groupStatement([entry(3, { eventCount: 0, events: null })]).text).toBe('');
    expect(groupStatement([entry(4)]).text).not.toContain('rejected_events');
  });
});

describe('jsonbArrayParam', () => {
  it('is the version byte and the JSON array, made jsonb-safe value by value', () => {
    const values = [{ a: 'é😀' }, { nul: 'a\u0000b', lone: 'x\ud800y', escaped: '\\u0000' }, 3];
    const param = jsonbArrayParam(values);
    expect(param[0]).toBe(1);
    expect(param.subarray(1).toString('utf8')).toBe(toPostgresJson(JSON.stringify(values)));
    expect(JSON.parse(param.subarray(1).toString('utf8'))[1]).toEqual({ nul: 'a\ufffdb', lone: 'x\ufffdy', escaped: '\\u0000' });
    expect(jsonbArrayParam([]).subarray(1).toString()).toBe('[]');
  });
});
