import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { RawMessage } from './ingest-traffic';

/**
 * The bare baseline (QUALITY.md): the same event rows COPYed into the same `events` table, plus
 * the same user and account upserts (multi-row, one statement each per chunk), in one
 * transaction per chunk of 10,000 events (the drain's largest batch): what a hand-written loader
 * would do with no HTTP, no inbox, no queue and no projection rules.
 *
 * "The same rows" means the same columns the drain writes: each event carries its account (the
 * group's own, else `context.groupId`, else `properties.accountId` as the bench configures it,
 * else the user's last linked account, kept in memory here), and users and accounts carry the
 * per-key provenance (`trait_meta`: `[epochMillis, installationId]` of the chunk's latest value)
 * next to their traits. What the baseline leaves out is the hub's own work: dedupe, echo and
 * ignored checks, last-writer-wins against stored values, memberships, catalog, counters.
 */
export const BASELINE_CHUNK = 10_000;

const csv = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replace(/"/g, '""')}"`;
};

const idOf = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

interface Profile {
  traits: Record<string, unknown>;
  meta: Record<string, [number, string]>;
  at: Record<string, number>;
  first: string;
  last: string;
}

export async function loadBaseline(
  url: string,
  workspaceId: string,
  installationId: string,
  source: Iterable<RawMessage>,
): Promise<{ events: number; ms: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  let events = 0;
  let chunk: RawMessage[] = [];
  // userId -> groupId of the last linked account (by event time), across chunks.
  const lastAccount = new Map<string, { gid: string; at: number }>();
  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    const receivedAt = new Date().toISOString();
    await client.query('BEGIN');
    // Users: every userId of the chunk, traits from identify calls; accounts: every groupId named.
    const users = new Map<string, Profile>();
    const accounts = new Map<string, Profile>();
    const touch = (map: Map<string, Profile>, key: string | null, ts: string, traits?: unknown) => {
      if (!key) return;
      let entry = map.get(key);
      if (!entry) {
        entry = { traits: {}, meta: {}, at: {}, first: ts, last: ts };
        map.set(key, entry);
      }
      if (traits && typeof traits === 'object') {
        const ms = Date.parse(ts);
        for (const [k, v] of Object.entries(traits)) {
          if ((entry.at[k] ?? -Infinity) > ms) continue;
          entry.traits[k] = v;
          entry.at[k] = ms;
          entry.meta[k] = [ms, installationId];
        }
      }
      if (ts < entry.first) entry.first = ts;
      if (ts > entry.last) entry.last = ts;
    };
    const link = (userId: string | null, gid: string | null, ts: string) => {
      if (!userId || !gid) return;
      const at = Date.parse(ts);
      const current = lastAccount.get(userId);
      if (!current || current.at <= at) lastAccount.set(userId, { gid, at });
    };
    for (const m of rows) {
      const ts = String(m.timestamp);
      const userId = idOf(m.userId);
      const company = (m.traits as Record<string, unknown> | undefined)?.company as Record<string, unknown> | undefined;
      const ctxGroup = idOf((m.context as Record<string, unknown>)?.groupId);
      touch(users, userId, ts, m.type === 'identify' ? m.traits : undefined);
      if (m.type === 'group') touch(accounts, idOf(m.groupId), ts, m.traits);
      if (m.type !== 'group' && m.type !== 'alias') touch(accounts, ctxGroup, ts);
      if (m.type === 'track') touch(accounts, idOf((m.properties as Record<string, unknown> | undefined)?.accountId), ts);
      if (m.type === 'identify') touch(accounts, idOf(company?.id), ts);
      if (m.type === 'group') link(userId, idOf(m.groupId), ts);
      else if (m.type !== 'alias') link(userId, ctxGroup, ts);
      if (m.type === 'identify' && company?.remove !== true) link(userId, idOf(company?.id), ts);
    }
    const upsert = async (table: string, keyColumn: string, named: string, map: Map<string, Profile>, returning: boolean) => {
      const keys = [...map.keys()].sort();
      const { rows: ids } = await client.query(
        `INSERT INTO ${table} AS t (workspace_id, ${keyColumn}, ${named}, traits, trait_meta, first_seen_at, last_seen_at)
         SELECT $1, k, tr ->> '${named === 'email' ? 'email' : 'name'}', tr, tm, f, l
         FROM unnest($2::text[], $3::jsonb[], $4::jsonb[], $5::timestamptz[], $6::timestamptz[]) AS x(k, tr, tm, f, l)
         ON CONFLICT (workspace_id, ${keyColumn}) DO UPDATE SET
           traits = t.traits || EXCLUDED.traits,
           trait_meta = t.trait_meta || EXCLUDED.trait_meta,
           ${named} = coalesce(EXCLUDED.${named}, t.${named}),
           first_seen_at = least(t.first_seen_at, EXCLUDED.first_seen_at),
           last_seen_at = greatest(t.last_seen_at, EXCLUDED.last_seen_at),
           updated_at = now()
         ${returning ? `RETURNING ${keyColumn} AS key, id` : ''}`,
        [
          workspaceId,
          keys,
          keys.map((k) => JSON.stringify(map.get(k)?.traits ?? {})),
          keys.map((k) => JSON.stringify(map.get(k)?.meta ?? {})),
          keys.map((k) => map.get(k)?.first),
          keys.map((k) => map.get(k)?.last),
        ],
      );
      return new Map((ids as { key: string; id: string }[]).map((r) => [r.key, r.id]));
    };
    const accountIds = await upsert('profile_accounts', 'group_id', 'name', accounts, true);
    await upsert('profile_users', 'user_id', 'email', users, false);
    const accountOf = (m: RawMessage): string | null => {
      if (m.type === 'alias') return null;
      const gid =
        m.type === 'group'
          ? idOf(m.groupId)
          : (idOf((m.context as Record<string, unknown>)?.groupId) ??
            (m.type === 'track' ? idOf((m.properties as Record<string, unknown> | undefined)?.accountId) : null) ??
            lastAccount.get(idOf(m.userId) ?? '')?.gid ??
            null);
      return gid ? (accountIds.get(gid) ?? null) : null;
    };
    const lines = rows.map((m) =>
      [
        workspaceId,
        installationId,
        0,
        csv(m.messageId),
        m.type,
        csv(m.type === 'track' ? m.event : m.type === 'page' || m.type === 'screen' ? m.name : null),
        csv(m.userId),
        csv(m.anonymousId),
        csv(m.groupId),
        csv(m.previousId),
        accountOf(m) ?? '',
        csv(m.properties ?? null),
        csv(m.traits ?? null),
        csv(m.context ?? {}),
        m.timestamp,
        receivedAt,
      ].join(',') + '\n',
    );
    await pipeline(
      Readable.from(lines),
      client.query(
        copyFrom(`COPY events (workspace_id, installation_id, inbox_id, message_id, type, event, user_id, anonymous_id,
                  group_id, previous_id, account_id, properties, traits, context, "timestamp", received_at) FROM STDIN WITH (FORMAT csv)`),
      ),
    );
    await client.query('COMMIT');
    events += rows.length;
  };
  try {
    for (const m of source) {
      chunk.push(m);
      if (chunk.length >= BASELINE_CHUNK) await flush();
    }
    await flush();
    return { events, ms: performance.now() - started };
  } finally {
    await client.end();
  }
}
