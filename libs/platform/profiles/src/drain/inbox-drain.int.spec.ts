import { randomBytes } from 'node:crypto';
import { dataSourceOptions, runMigrations } from '@hub/persistence';
import { DataSource } from 'typeorm';
import { createTestSource, insertInbox, segment, type TestSource } from '../testing/inbox-fixtures';
import { InboxDrain } from './inbox-drain.service';

/**
 * Projection rules of the drain, on a real PostgreSQL (DESIGN.md "The core event model and
 * profiles"): every rule holds whether a batch runs in one transaction or pipelined in two (the
 * profile part, then the events part overlapping the next batch's profiles).
 */
describe.each([
  ['one transaction per batch', Number.MAX_SAFE_INTEGER],
  ['pipelined profile and events parts', 0],
])('inbox drain (real PostgreSQL), %s', (_mode, pipelineMinEvents) => {
  let db: DataSource;
  let drain: InboxDrain;

  beforeAll(async () => {
    await runMigrations(process.env.DATABASE_URL as string);
    db = await new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 4)).initialize();
    drain = new InboxDrain(db, { limits: { maxRows: 3, maxEvents: 50, pipelineMinEvents } });
  });
  afterAll(() => db?.destroy());

  const at = (iso: string) => ({ timestamp: iso });
  const account = async (src: TestSource, groupId: string) =>
    (await db.query(`SELECT * FROM profile_accounts WHERE workspace_id = $1 AND group_id = $2`, [src.workspaceId, groupId]))[0];
  const user = async (src: TestSource, userId: string) =>
    (await db.query(`SELECT * FROM profile_users WHERE workspace_id = $1 AND user_id = $2`, [src.workspaceId, userId]))[0];
  const linked = async (src: TestSource, userId: string) =>
    (
      (await db.query(
        `SELECT a.group_id FROM profile_memberships m JOIN profile_users u ON u.id = m.user_profile_id
         JOIN profile_accounts a ON a.id = m.account_id WHERE u.workspace_id = $1 AND u.user_id = $2 AND m.linked ORDER BY 1`,
        [src.workspaceId, userId],
      )) as { group_id: string }[]
    ).map((r) => r.group_id);
  const eventRow = async (src: TestSource, messageId: string) =>
    (
      await db.query(
        `SELECT e.*, a.group_id AS account_group FROM events e LEFT JOIN profile_accounts a ON a.id = e.account_id
         WHERE e.workspace_id = $1 AND e.message_id = $2`,
        [src.workspaceId, messageId],
      )
    )[0];
  const count = async (sql: string, params: unknown[]) => Number((await db.query(sql, params))[0].n);

  it('turns group calls into accounts and identify calls into users, named by the default traits', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [
      segment({ type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'Acme', plan: 'pro', employees: 40 } }),
      segment({ type: 'identify', userId: 'u1', traits: { email: 'ada@acme.test', name: 'Ada' } }),
    ]);
    const result = await drain.drainWorkspace(src.workspaceId);
    expect(result.counts).toEqual({ group: 1, identify: 1 });
    const acme = await account(src, 'g1');
    expect(acme).toMatchObject({ name: 'Acme', traits: { name: 'Acme', plan: 'pro', employees: 40 } });
    expect(acme.trait_meta.plan[1]).toBe(src.installationId);
    expect(await user(src, 'u1')).toMatchObject({ email: 'ada@acme.test', traits: { email: 'ada@acme.test', name: 'Ada' } });
    expect(await linked(src, 'u1')).toEqual(['g1']);
    expect(await count(`SELECT count(*) n FROM inbox WHERE workspace_id = $1 AND processed_at IS NULL`, [src.workspaceId])).toBe(0);
  });

  it('uses the configured name and email traits', async () => {
    const src = await createTestSource(db);
    await db.query(
      `INSERT INTO profile_settings (workspace_id, account_name_trait, user_email_trait) VALUES ($1, 'company_name', 'work_email')`,
      [src.workspaceId],
    );
    await insertInbox(db, src, [
      segment({ type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'ignored', company_name: 'Initech' } }),
      segment({ type: 'identify', userId: 'u1', traits: { email: 'x@home.test', work_email: 'peter@initech.test' } }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect((await account(src, 'g1')).name).toBe('Initech');
    expect((await user(src, 'u1')).email).toBe('peter@initech.test');
  });

  it('merges traits last-writer-wins per key by event time, whatever the delivery order', async () => {
    const messages = [
      segment({ type: 'identify', userId: 'u1', traits: { plan: 'free', email: 'old@x.test' }, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'identify', userId: 'u1', traits: { plan: 'pro' }, ...at('2025-01-03T00:00:00.000Z') }),
      segment({ type: 'identify', userId: 'u1', traits: { email: 'new@x.test', seats: 3 }, ...at('2025-01-02T00:00:00.000Z') }),
    ];
    const orders = [
      [0, 1, 2],
      [2, 1, 0],
      [1, 0, 2],
    ];
    const results = [];
    for (const order of orders) {
      const src = await createTestSource(db);
      // One inbox row per message, so each is a separate batch when maxRows is 1.
      for (const i of order) await insertInbox(db, src, [{ ...messages[i], messageId: `${messages[i].messageId}` }]);
      await new InboxDrain(db, { limits: { maxRows: 1, maxEvents: 50, pipelineMinEvents } }).drainWorkspace(src.workspaceId);
      const u = await user(src, 'u1');
      results.push({ traits: u.traits, email: u.email });
    }
    expect(results[0]).toEqual({ traits: { plan: 'pro', email: 'new@x.test', seats: 3 }, email: 'new@x.test' });
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it('breaks equal event times by the greater JSON text, in one batch or across batches, and keeps newer stored values', async () => {
    const t = '2025-02-01T00:00:00.000Z';
    const messages = [
      segment({ type: 'identify', userId: 'u1', traits: { plan: 'basic', seats: 2, email: 'a@x.test' }, ...at(t) }),
      segment({ type: 'identify', userId: 'u1', traits: { plan: 'pro', seats: 10 }, ...at(t) }),
      // Older than both: loses every key, the email included.
      segment({ type: 'identify', userId: 'u1', traits: { plan: 'zzz', email: 'old@x.test' }, ...at('2025-01-01T00:00:00.000Z') }),
    ];
    const results = [];
    for (const split of [false, true]) {
      for (const order of [[0, 1, 2], [2, 1, 0]]) {
        const src = await createTestSource(db);
        if (split) for (const i of order) await insertInbox(db, src, [messages[i]]);
        else await insertInbox(db, src, order.map((i) => messages[i]));
        await new InboxDrain(db, { limits: { maxRows: 1, maxEvents: 50, pipelineMinEvents } }).drainWorkspace(src.workspaceId);
        const u = await user(src, 'u1');
        results.push({ traits: u.traits, email: u.email, at: u.trait_meta.plan[0] });
      }
    }
    // '"pro"' > '"basic"', '2' > '10' as JSON text.
    expect(results[0]).toEqual({ traits: { plan: 'pro', seats: 2, email: 'a@x.test' }, email: 'a@x.test', at: Date.parse(t) });
    for (const r of results) expect(r).toEqual(results[0]);
  });

  it('counts a messageId once: duplicates within a batch and across batches', async () => {
    const src = await createTestSource(db);
    const track = segment({ type: 'track', userId: 'u1', event: 'Signed Up', messageId: 'm-dup' });
    await insertInbox(db, src, [track, track, segment({ type: 'track', userId: 'u1', event: 'Signed Up' })]);
    const first = await drain.drainWorkspace(src.workspaceId);
    expect(first.counts).toEqual({ track: 2, duplicate: 1 });
    // A Segment retry of the same batch.
    await insertInbox(db, src, [track, track]);
    const second = await drain.drainWorkspace(src.workspaceId);
    expect(second.counts).toEqual({ duplicate: 2 });
    expect(await count(`SELECT count(*) n FROM events WHERE workspace_id = $1`, [src.workspaceId])).toBe(2);
    const [cat] = await db.query(`SELECT count, status FROM catalog_events WHERE workspace_id = $1 AND name = 'Signed Up'`, [src.workspaceId]);
    expect(cat).toEqual({ count: '2', status: 'tracked' });
    const [inst] = await db.query(`SELECT event_counts, status, last_event_at FROM installations WHERE id = $1`, [src.installationId]);
    expect(inst.event_counts).toEqual({ track: 2, duplicate: 3 });
    expect(inst.status).toBe('receiving');
    expect(inst.last_event_at).toBeInstanceOf(Date);
  });

  it('drops ignored event names and echoes, and counts them', async () => {
    const src = await createTestSource(db);
    await db.query(`INSERT INTO catalog_events (workspace_id, name, status) VALUES ($1, 'Heartbeat', 'ignored')`, [src.workspaceId]);
    await insertInbox(db, src, [
      segment({ type: 'track', userId: 'u1', event: 'Heartbeat' }),
      segment({ type: 'track', userId: 'u1', event: 'Heartbeat' }),
      segment({ type: 'track', userId: 'u1', event: 'Clicked', context: { hubOrigin: { installationId: src.installationId } } }),
      segment({ type: 'track', userId: 'u1', event: 'Clicked' }),
    ]);
    const result = await drain.drainWorkspace(src.workspaceId);
    expect(result.counts).toEqual({ ignored: 2, echo: 1, track: 1 });
    const catalog = await db.query(
      `SELECT name, status, count::int, ignored_count::int AS ignored FROM catalog_events WHERE workspace_id = $1 ORDER BY name`,
      [src.workspaceId],
    );
    expect(catalog).toEqual([
      { name: 'Clicked', status: 'tracked', count: 1, ignored: 0 },
      { name: 'Heartbeat', status: 'ignored', count: 0, ignored: 2 },
    ]);
    expect(await count(`SELECT count(*) n FROM events WHERE workspace_id = $1`, [src.workspaceId])).toBe(1);
    const [inst] = await db.query(`SELECT event_counts FROM installations WHERE id = $1`, [src.installationId]);
    expect(inst.event_counts).toEqual({ ignored: 2, echo: 1, track: 1 });
  });

  it('links memberships from group calls, traits.company and context.groupId, and unlinks with remove: true', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [
      segment({ type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'One' }, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'identify', userId: 'u1', traits: { company: { id: 'g2', name: 'Two' } }, ...at('2025-01-01T00:00:01.000Z') }),
      segment({ type: 'track', userId: 'u1', event: 'Opened', context: { groupId: 'g3' }, ...at('2025-01-01T00:00:02.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect(await linked(src, 'u1')).toEqual(['g1', 'g2', 'g3']);

    await insertInbox(db, src, [
      segment({ type: 'identify', userId: 'u1', traits: { company: { id: 'g2', remove: true } }, ...at('2025-01-02T00:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect(await linked(src, 'u1')).toEqual(['g1', 'g3']);

    // A link older than the unlink, delivered late, does not undo it.
    await insertInbox(db, src, [
      segment({ type: 'identify', userId: 'u1', traits: { company: { id: 'g2' } }, ...at('2025-01-01T12:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect(await linked(src, 'u1')).toEqual(['g1', 'g3']);
  });

  it('attributes track events: context.groupId, then the configured property, then the last associated account', async () => {
    const src = await createTestSource(db);
    await db.query(`INSERT INTO profile_settings (workspace_id, account_id_property) VALUES ($1, 'accountId')`, [src.workspaceId]);
    await insertInbox(db, src, [
      segment({ type: 'group', userId: 'u1', groupId: 'old', traits: {}, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'group', userId: 'u1', groupId: 'latest', traits: {}, ...at('2025-01-05T00:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    await insertInbox(db, src, [
      segment({ type: 'track', userId: 'u1', event: 'A', messageId: 'ctx', context: { groupId: 'ctx-acct' }, properties: { accountId: 'prop-acct' } }),
      segment({ type: 'track', userId: 'u1', event: 'A', messageId: 'prop', properties: { accountId: 'prop-acct' } }),
      segment({ type: 'track', userId: 'u1', event: 'A', messageId: 'last' }),
      segment({ type: 'track', anonymousId: 'nobody', event: 'A', messageId: 'none' }),
      segment({ type: 'group', userId: 'u1', groupId: 'old', messageId: 'grp', traits: {}, ...at('2025-01-04T00:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect((await eventRow(src, 'ctx')).account_group).toBe('ctx-acct');
    expect((await eventRow(src, 'prop')).account_group).toBe('prop-acct');
    // The ctx-acct link made by the first message is now the latest one.
    expect((await eventRow(src, 'last')).account_group).toBe('ctx-acct');
    expect((await eventRow(src, 'none')).account_id).toBeNull();
    expect((await eventRow(src, 'grp')).account_group).toBe('old');
  });

  it('stores page views only when the workspace turns them on, and screens always', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [
      segment({ type: 'page', userId: 'u1', name: 'Home', messageId: 'p1' }),
      segment({ type: 'screen', userId: 'u1', name: 'Settings', messageId: 's1' }),
    ]);
    expect((await drain.drainWorkspace(src.workspaceId)).counts).toEqual({ page_skipped: 1, screen: 1 });
    await db.query(`INSERT INTO profile_settings (workspace_id, page_events) VALUES ($1, true)`, [src.workspaceId]);
    await insertInbox(db, src, [segment({ type: 'page', userId: 'u1', name: 'Home', messageId: 'p2' })]);
    expect((await drain.drainWorkspace(src.workspaceId)).counts).toEqual({ page: 1 });
    expect((await eventRow(src, 'p2')).event).toBe('Home');
    expect(await eventRow(src, 'p1')).toBeUndefined();
    expect((await eventRow(src, 's1')).type).toBe('screen');
  });

  it('merges an anonymous profile into the known user on alias, and on identify with both ids', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [
      segment({ type: 'identify', anonymousId: 'anon-1', traits: { plan: 'trial' }, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'group', anonymousId: 'anon-1', groupId: 'g1', traits: {}, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'identify', anonymousId: 'anon-2', traits: { color: 'red' }, ...at('2025-01-01T00:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    expect(await count(`SELECT count(*) n FROM profile_users WHERE workspace_id = $1 AND user_id IS NULL`, [src.workspaceId])).toBe(2);

    await insertInbox(db, src, [
      segment({ type: 'identify', userId: 'u1', traits: { email: 'u1@x.test', plan: 'pro' }, ...at('2025-01-02T00:00:00.000Z') }),
      segment({ type: 'alias', userId: 'u1', previousId: 'anon-1', ...at('2025-01-03T00:00:00.000Z') }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    const u1 = await user(src, 'u1');
    // The anonymous "trial" is older than the known "pro": the known value stays.
    expect(u1.traits).toEqual({ email: 'u1@x.test', plan: 'pro' });
    expect(await linked(src, 'u1')).toEqual(['g1']);

    await insertInbox(db, src, [segment({ type: 'identify', userId: 'u1', anonymousId: 'anon-2', traits: {} })]);
    await drain.drainWorkspace(src.workspaceId);
    expect((await user(src, 'u1')).traits).toEqual({ email: 'u1@x.test', plan: 'pro', color: 'red' });
    expect(await count(`SELECT count(*) n FROM profile_users WHERE workspace_id = $1`, [src.workspaceId])).toBe(1);
    const anon = await db.query(
      `SELECT anonymous_id FROM profile_anonymous_ids WHERE workspace_id = $1 AND profile_id = $2 ORDER BY 1`,
      [src.workspaceId, u1.id],
    );
    expect(anon.map((r: { anonymous_id: string }) => r.anonymous_id)).toEqual(['anon-1', 'anon-2']);
    // The merged profiles' memberships went with them (moved to u1, none left dangling).
    expect(
      await count(
        `SELECT count(*) n FROM profile_memberships m WHERE m.workspace_id = $1
         AND NOT EXISTS (SELECT 1 FROM profile_users u WHERE u.id = m.user_profile_id)`,
        [src.workspaceId],
      ),
    ).toBe(0);

    // Later anonymous activity lands on the user.
    await insertInbox(db, src, [segment({ type: 'identify', anonymousId: 'anon-1', traits: { nickname: 'u' } })]);
    await drain.drainWorkspace(src.workspaceId);
    expect((await user(src, 'u1')).traits.nickname).toBe('u');
  });

  it('keeps the trait catalog per entity with type, count and first/last seen', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [
      segment({ type: 'identify', userId: 'u1', traits: { email: 'a@x.test', age: 30 }, ...at('2025-01-01T00:00:00.000Z') }),
      segment({ type: 'identify', userId: 'u2', traits: { email: 'b@x.test' }, ...at('2025-01-02T00:00:00.000Z') }),
      segment({ type: 'group', userId: 'u1', groupId: 'g1', traits: { name: 'G', employees: 3 } }),
    ]);
    await drain.drainWorkspace(src.workspaceId);
    const rows = await db.query(
      `SELECT entity, key, type, count::int, first_seen_at, last_seen_at FROM catalog_traits WHERE workspace_id = $1 ORDER BY entity, key`,
      [src.workspaceId],
    );
    expect(rows.map((r: Record<string, unknown>) => [r.entity, r.key, r.type, r.count])).toEqual([
      ['account', 'employees', 'number', 1],
      ['account', 'name', 'string', 1],
      ['user', 'age', 'number', 1],
      ['user', 'email', 'string', 2],
    ]);
    const email = rows.find((r: { key: string }) => r.key === 'email');
    expect(email.first_seen_at.toISOString()).toBe('2025-01-01T00:00:00.000Z');
    expect(email.last_seen_at.toISOString()).toBe('2025-01-02T00:00:00.000Z');
  });

  it('sets aside an inbox row Postgres refuses, and projects the rest', async () => {
    const src = await createTestSource(db);
    const good1 = await insertInbox(db, src, [segment({ type: 'track', userId: 'u1', event: 'Ok', messageId: 'ok-1' })]);
    const bad = await insertInbox(db, src, [{ ...segment({ type: 'track', userId: 'u1', event: 'Bad' }), timestamp: 'not a date' }]);
    const good2 = await insertInbox(db, src, [segment({ type: 'track', userId: 'u1', event: 'Ok', messageId: 'ok-2' })]);
    const result = await drain.drainWorkspace(src.workspaceId);
    expect(result.failedRows).toBe(1);
    expect(await eventRow(src, 'ok-1')).toBeDefined();
    expect(await eventRow(src, 'ok-2')).toBeDefined();
    const rows = await db.query(`SELECT id::text, drain_error, processed_at FROM inbox WHERE id = ANY($1::bigint[]) ORDER BY id`, [[good1, bad, good2]]);
    expect(rows.map((r: { drain_error: string | null }) => r.drain_error === null)).toEqual([true, false, true]);
    expect(rows[1].drain_error).toContain('timestamp');
    expect(rows.every((r: { processed_at: Date | null }) => r.processed_at !== null)).toBe(true);
  });

  it('claims inbox rows in id order, also across a power of ten (not in text order)', async () => {
    const src = await createTestSource(db);
    // Ids 98..103 (or the same around the next power of ten): as text, "100" sorts before "98".
    await db.query(
      `SELECT setval(pg_get_serial_sequence('inbox', 'id'), (10 ^ ceil(log(coalesce(max(id), 0) + 10)))::bigint - 3) FROM inbox`,
    );
    for (let i = 0; i < 6; i++) await insertInbox(db, src, [segment({ type: 'track', userId: 'u1', event: 'Tick', messageId: `o-${i}` })]);
    const result = await drain.drainWorkspace(src.workspaceId);
    expect(result.batches).toBe(2);
    const ids = await db.query(`SELECT message_id FROM events WHERE workspace_id = $1 ORDER BY id`, [src.workspaceId]);
    expect(ids.map((r: { message_id: string }) => r.message_id)).toEqual(['o-0', 'o-1', 'o-2', 'o-3', 'o-4', 'o-5']);
  });

  it('drains a backlog larger than one batch in bounded transactions, in inbox order', async () => {
    const src = await createTestSource(db);
    for (let i = 0; i < 7; i++) {
      await insertInbox(db, src, Array.from({ length: 20 }, (_, j) => segment({ type: 'track', userId: `u${j}`, event: 'Tick', messageId: `t-${i}-${j}` })));
    }
    const result = await drain.drainWorkspace(src.workspaceId);
    // 50 events per batch: two 20-event rows fit, the third does not.
    expect(result.batches).toBe(4);
    expect(result.counts).toEqual({ track: 140 });
    const ids = await db.query(`SELECT message_id FROM events WHERE workspace_id = $1 ORDER BY id`, [src.workspaceId]);
    expect(ids[0].message_id).toBe('t-0-0');
    expect(ids.at(-1).message_id).toBe('t-6-19');
  });
});

/** What only the pipelined drain has: two commits per batch, and a crash or a refusal between them. */
describe('inbox drain, pipelined parts (real PostgreSQL)', () => {
  let db: DataSource;

  beforeAll(async () => {
    await runMigrations(process.env.DATABASE_URL as string);
    db = await new DataSource(dataSourceOptions(process.env.DATABASE_URL as string, 4)).initialize();
  });
  afterAll(() => db?.destroy());

  const pipelined = () => new InboxDrain(db, { limits: { maxRows: 2, maxEvents: 50, pipelineMinEvents: 0 } });
  /** Five inbox rows, in order: u{i} joins g{i}, then identifies, then opens something (attributed to g{i}). */
  const traffic = async (src: TestSource) => {
    for (let i = 0; i < 5; i++) {
      const day = `2025-03-0${i + 1}`;
      await insertInbox(db, src, [
        segment({ type: 'group', userId: `u${i}`, groupId: `g${i}`, messageId: `join-${i}`, traits: { name: `G${i}` }, timestamp: `${day}T00:00:00.000Z` }),
        segment({ type: 'identify', userId: `u${i}`, messageId: `who-${i}`, traits: { plan: `p${i}`, company: { id: 'g0' } }, timestamp: `${day}T00:00:01.000Z` }),
        segment({ type: 'track', userId: `u${i}`, event: 'Opened', messageId: `open-${i}`, timestamp: `${day}T00:00:02.000Z` }),
      ]);
    }
  };
  const snapshot = async (src: TestSource) => ({
    events: await db.query(
      `SELECT e.message_id, a.group_id AS account FROM events e LEFT JOIN profile_accounts a ON a.id = e.account_id
       WHERE e.workspace_id = $1 ORDER BY e.id`,
      [src.workspaceId],
    ),
    users: await db.query(`SELECT user_id, traits, first_seen_at, last_seen_at FROM profile_users WHERE workspace_id = $1 ORDER BY user_id`, [src.workspaceId]),
    memberships: Number((await db.query(`SELECT count(*) n FROM profile_memberships WHERE workspace_id = $1 AND linked`, [src.workspaceId]))[0].n),
    catalog: await db.query(`SELECT name, count::int FROM catalog_events WHERE workspace_id = $1`, [src.workspaceId]),
    counts: (await db.query(`SELECT event_counts FROM installations WHERE id = $1`, [src.installationId]))[0].event_counts,
    pending: Number((await db.query(`SELECT count(*) n FROM inbox WHERE workspace_id = $1 AND processed_at IS NULL`, [src.workspaceId]))[0].n),
    handoffs: Number(
      (await db.query(`SELECT count(*) n FROM inbox_attribution a JOIN inbox i ON i.id = a.inbox_id WHERE i.workspace_id = $1`, [src.workspaceId]))[0].n,
    ),
  });

  it('projects as one transaction does, and a crash between the two commits re-projects profiles harmlessly and counts once', async () => {
    const reference = await createTestSource(db);
    await traffic(reference);
    await new InboxDrain(db, { limits: { maxRows: 2, maxEvents: 50, pipelineMinEvents: Number.MAX_SAFE_INTEGER } }).drainWorkspace(reference.workspaceId);
    const expected = await snapshot(reference);

    const src = await createTestSource(db);
    await traffic(src);
    const crashing = pipelined();
    // The events part of the second batch dies after its profile part committed.
    const record = (crashing as unknown as { recordEvents: (...a: unknown[]) => Promise<unknown> }).recordEvents.bind(crashing);
    let calls = 0;
    jest.spyOn(crashing as unknown as { recordEvents: (...a: unknown[]) => Promise<unknown> }, 'recordEvents').mockImplementation((...a) => {
      calls++;
      return calls === 2 ? Promise.reject(new Error('connection terminated')) : record(...a);
    });
    await expect(crashing.drainWorkspace(src.workspaceId)).rejects.toThrow('connection terminated');
    const midway = await snapshot(src);
    expect(midway.pending).toBeGreaterThan(0);
    expect(midway.handoffs).toBeGreaterThan(0);

    await pipelined().drainWorkspace(src.workspaceId);
    const after = await snapshot(src);
    expect({ ...after, users: after.users.map((u: { user_id: string; traits: unknown }) => [u.user_id, u.traits]) }).toEqual({
      ...expected,
      users: expected.users.map((u: { user_id: string; traits: unknown }) => [u.user_id, u.traits]),
      pending: 0,
      handoffs: 0,
    });
    expect(after.events.map((e: { account: string }) => e.account)).toEqual(expected.events.map((e: { account: string }) => e.account));
    expect(after.counts).toEqual({ group: 5, identify: 5, track: 5 });
  });

  it('sets aside a row only the events part refuses, and projects the rest', async () => {
    const src = await createTestSource(db);
    await insertInbox(db, src, [segment({ type: 'track', userId: 'u1', event: 'Ok', messageId: 'fine-1' })]);
    // Longer than a btree entry may be, even compressed: the profile part never indexes it, the
    // events part must.
    const tooLong = randomBytes(6000).toString('base64');
    const bad = await insertInbox(db, src, [{ ...segment({ type: 'track', userId: 'u1', event: 'Ok' }), messageId: tooLong }]);
    await insertInbox(db, src, [segment({ type: 'track', userId: 'u1', event: 'Ok', messageId: 'fine-2' })]);
    const result = await pipelined().drainWorkspace(src.workspaceId);
    expect(result.failedRows).toBe(1);
    expect(result.counts).toEqual({ track: 2 });
    const [row] = await db.query(`SELECT drain_error, processed_at FROM inbox WHERE id = $1`, [bad]);
    expect(row.drain_error).toMatch(/index row|exceeds/);
    expect(row.processed_at).not.toBeNull();
    const after = await snapshot(src);
    expect(after.events.map((e: { message_id: string }) => e.message_id)).toEqual(['fine-1', 'fine-2']);
    expect(after.pending).toBe(0);
  });

  it('stops between batches on request, and a later drain finishes exactly once', async () => {
    const src = await createTestSource(db);
    await traffic(src);
    let batches = 0;
    const first = await pipelined().drainWorkspace(src.workspaceId, {
      shouldStop: () => batches >= 1,
      afterCommit: async () => {
        batches++;
      },
    });
    expect(first.stopped).toBe(true);
    await pipelined().drainWorkspace(src.workspaceId);
    const after = await snapshot(src);
    expect(after.events).toHaveLength(15);
    expect(after.counts).toEqual({ group: 5, identify: 5, track: 5 });
    expect(after.catalog).toEqual([{ name: 'Opened', count: 5 }]);
    expect(after.pending).toBe(0);
  });
});
