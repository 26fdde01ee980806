/**
 * Synthetic Segment traffic for the ingest benchmark, deterministic per seed: 80% track, 10%
 * identify, 5% page, 5% group, over a fixed universe of users and accounts, shaped like what
 * `@segment/analytics-node` sends (full `context`, ISO timestamps, string ids).
 */

export interface TrafficShape {
  users: number;
  accounts: number;
}

export type RawMessage = Record<string, unknown> & { type: string; messageId: string };

/** mulberry32: tiny, fast and good enough to make traffic repeatable. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const EVENTS = ['Report Viewed', 'Dashboard Opened', 'Query Run', 'Export Created', 'Invite Sent', 'Setting Changed', 'Search Performed', 'Alert Triggered'];
const PAGES = ['/home', '/reports', '/settings', '/billing', '/team'];
const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const BASE_TIME = Date.parse('2025-06-01T00:00:00.000Z');

/** The account of a user: users are spread evenly over accounts. */
export const accountOf = (user: number, shape: TrafficShape) => user % shape.accounts;

/** Message `index` of a run; `tag` keeps message ids of different phases apart. */
export function message(index: number, tag: string, shape: TrafficShape, rand: () => number): RawMessage {
  const user = Math.floor(rand() * shape.users);
  const account = accountOf(user, shape);
  const roll = rand();
  const timestamp = new Date(BASE_TIME + index * 37 + Math.floor(rand() * 1000)).toISOString();
  const context: Record<string, unknown> = {
    library: { name: 'analytics-node', version: '3.1.0' },
    ip: `203.0.113.${user % 250}`,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36',
    locale: 'en-US',
    timezone: 'Europe/Berlin',
  };
  const base = { messageId: `bench-${tag}-${index}`, userId: `user-${user}`, timestamp, context };
  if (roll < 0.8) {
    const attribution = rand();
    const properties: Record<string, unknown> = {
      value: Math.round(rand() * 10_000) / 100,
      source: 'web',
      durationMs: Math.floor(rand() * 5000),
      filters: { range: '30d', segment: `s-${Math.floor(rand() * 20)}` },
    };
    // Half name the account in context.groupId, a quarter in a property, a quarter rely on the user's account.
    if (attribution < 0.5) context.groupId = `acct-${account}`;
    else if (attribution < 0.75) properties.accountId = `acct-${account}`;
    return { type: 'track', event: EVENTS[Math.floor(rand() * EVENTS.length)], properties, ...base };
  }
  if (roll < 0.9) {
    return {
      type: 'identify',
      traits: {
        email: `user-${user}@example.test`,
        name: `User ${user}`,
        plan: PLANS[Math.floor(rand() * PLANS.length)],
        logins: Math.floor(rand() * 500),
        createdAt: new Date(BASE_TIME - user * 60_000).toISOString(),
        company: { id: `acct-${account}` },
      },
      ...base,
    };
  }
  if (roll < 0.95) {
    const path = PAGES[Math.floor(rand() * PAGES.length)];
    return { type: 'page', name: path.slice(1), properties: { path, url: `https://app.example.test${path}`, referrer: '' }, ...base };
  }
  return {
    type: 'group',
    groupId: `acct-${account}`,
    traits: {
      name: `Account ${account}`,
      plan: PLANS[account % PLANS.length],
      employees: 10 + (account % 990),
      industry: 'Software',
      arr: Math.floor(rand() * 1_000_000),
    },
    ...base,
  };
}

/** Messages `from` .. `from + count - 1` of a phase, in order. */
export function* messages(seed: number, tag: string, from: number, count: number, shape: TrafficShape): Generator<RawMessage> {
  const rand = prng(seed);
  for (let i = from; i < from + count; i++) yield message(i, tag, shape, rand);
}

/**
 * `/v1/batch` bodies of at most `maxBytes` (Segment's limit is 500 KB; analytics-node aims
 * below it), each `{batch, sentAt}` as the library sends it.
 */
export function* batchBodies(source: Iterable<RawMessage>, maxBytes: number): Generator<{ body: string; count: number }> {
  const head = '{"batch":[';
  let parts: string[] = [];
  let bytes = 0;
  const close = () => `${head}${parts.join(',')}],"sentAt":"${new Date().toISOString()}"}`;
  for (const msg of source) {
    const json = JSON.stringify(msg);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && bytes + size + 64 > maxBytes) {
      yield { body: close(), count: parts.length };
      parts = [];
      bytes = 0;
    }
    parts.push(json);
    bytes += size;
  }
  if (parts.length > 0) yield { body: close(), count: parts.length };
}
