import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { RawMessage } from './ingest-traffic';

/**
 * The bare baseline (QUALITY.md): the same event rows COPYed into the same `events` table, plus
 * the same user and account upserts (multi-row, one statement each per chunk), in one
 * transaction per chunk of 10,000 events: what a hand-written loader would do with no HTTP,
 * no inbox, no queue and no projection rules.
 */
export const BASELINE_CHUNK = 10_000;

const csv = (value: unknown): string => {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return `"${text.replace(/"/g, '""')}"`;
};

const idOf = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

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
  const flush = async () => {
    if (chunk.length === 0) return;
    const rows = chunk;
    chunk = [];
    const receivedAt = new Date().toISOString();
    await client.query('BEGIN');
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
                  group_id, previous_id, properties, traits, context, "timestamp", received_at) FROM STDIN WITH (FORMAT csv)`),
      ),
    );
    // Users: every userId of the chunk, traits from identify calls merged in.
    const users = new Map<string, { traits: Record<string, unknown>; first: string; last: string }>();
    const accounts = new Map<string, { traits: Record<string, unknown>; first: string; last: string }>();
    const touch = (map: typeof users, key: string | null, ts: string, traits?: unknown) => {
      if (!key) return;
      const entry = map.get(key) ?? { traits: {}, first: ts, last: ts };
      if (traits && typeof traits === 'object') Object.assign(entry.traits, traits);
      if (ts < entry.first) entry.first = ts;
      if (ts > entry.last) entry.last = ts;
      map.set(key, entry);
    };
    for (const m of rows) {
      const ts = String(m.timestamp);
      touch(users, idOf(m.userId), ts, m.type === 'identify' ? m.traits : undefined);
      if (m.type === 'group') touch(accounts, idOf(m.groupId), ts, m.traits);
      touch(accounts, idOf((m.context as Record<string, unknown>)?.groupId), ts);
      touch(accounts, idOf((m.properties as Record<string, unknown> | undefined)?.accountId), ts);
      const company = (m.traits as Record<string, unknown> | undefined)?.company as Record<string, unknown> | undefined;
      if (m.type === 'identify') touch(accounts, idOf(company?.id), ts);
    }
    const upsert = async (table: string, keyColumn: string, named: string, map: typeof users) => {
      const keys = [...map.keys()].sort();
      await client.query(
        `INSERT INTO ${table} AS t (workspace_id, ${keyColumn}, ${named}, traits, first_seen_at, last_seen_at)
         SELECT $1, k, tr ->> '${named === 'email' ? 'email' : 'name'}', tr, f, l
         FROM unnest($2::text[], $3::jsonb[], $4::timestamptz[], $5::timestamptz[]) AS x(k, tr, f, l)
         ON CONFLICT (workspace_id, ${keyColumn}) DO UPDATE SET
           traits = t.traits || EXCLUDED.traits,
           ${named} = coalesce(EXCLUDED.${named}, t.${named}),
           first_seen_at = least(t.first_seen_at, EXCLUDED.first_seen_at),
           last_seen_at = greatest(t.last_seen_at, EXCLUDED.last_seen_at),
           updated_at = now()`,
        [
          workspaceId,
          keys,
          keys.map((k) => JSON.stringify(map.get(k)?.traits ?? {})),
          keys.map((k) => map.get(k)?.first),
          keys.map((k) => map.get(k)?.last),
        ],
      );
    };
    await upsert('profile_accounts', 'group_id', 'name', accounts);
    await upsert('profile_users', 'user_id', 'email', users);
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
