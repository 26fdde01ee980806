import { RESOLVED_PROFILE_JOINS } from './project-profiles.sql';

/**
 * The core events, the catalog and the counters of one drain batch. `$1` = workspace id.
 */

/**
 * The account an event is attributed to: a group call to its own account; other calls (but
 * alias) by `context.groupId`, else the configured track property, else the user's last
 * associated account (the linked membership with the latest event time), as the batch's own
 * memberships left it. Needs the ids the profile statements collected (`drain_users`,
 * `drain_accounts`); `FROM drain_batch b` followed by ATTRIBUTION_JOINS.
 */
const ATTRIBUTED_ACCOUNT = `
  CASE
    WHEN b.state <> 'new' OR b.type = 'alias' THEN NULL
    WHEN b.type = 'group' THEN g.id
    ELSE coalesce(c.id, p.id, (
      SELECT m.account_id FROM profile_memberships m
      WHERE m.workspace_id = $1 AND m.user_profile_id = coalesce(du.id, ai.profile_id) AND m.linked
      ORDER BY m.changed_at DESC LIMIT 1))
  END`;

const ATTRIBUTION_JOINS = `${RESOLVED_PROFILE_JOINS}
  LEFT JOIN drain_accounts c ON c.group_id = b.ctx_group_id
  LEFT JOIN drain_accounts g ON b.type = 'group' AND g.group_id = b.group_id
  LEFT JOIN drain_accounts p ON p.group_id = b.prop_account`;

/**
 * Core events (contract 4), in inbox order, with their account (ATTRIBUTED_ACCOUNT), when the
 * profiles were projected in the same transaction.
 *
 * No ON CONFLICT: staging already found every stored messageId under the workspace's drain lock
 * (only drains insert events), and the speculative insertion would probe the unique index a
 * second time and log a confirmation record per row. Should a duplicate ever slip through, the
 * unique key refuses the batch, whose rows are then retried one by one and found duplicate.
 */
export const INSERT_EVENTS = `
  INSERT INTO events (workspace_id, installation_id, inbox_id, message_id, type, event, user_id, anonymous_id,
                      group_id, previous_id, account_id, properties, traits, context, "timestamp", received_at)
  SELECT $1, b.installation_id, b.inbox_id, b.message_id, b.type, b.event, b.user_id, b.anonymous_id,
         b.group_id, b.previous_id, ${ATTRIBUTED_ACCOUNT},
         b.properties, b.traits, b.context, b.ts, b.received_at
  FROM drain_batch b ${ATTRIBUTION_JOINS}
  WHERE b.state = 'new'
  ORDER BY b.inbox_id, b.ord`;

/**
 * A pipelined batch's profile part hands its attribution to the events part (another
 * transaction, another connection): per inbox row, the account of each message by position
 * (null where none, or where the message is not new). Re-projecting the profiles after a crash
 * rewrites it.
 */
export const SAVE_ATTRIBUTION = `
  INSERT INTO inbox_attribution (inbox_id, account_ids)
  SELECT b.inbox_id, array_agg(${ATTRIBUTED_ACCOUNT} ORDER BY b.ord)
  FROM drain_batch b ${ATTRIBUTION_JOINS}
  GROUP BY b.inbox_id
  ON CONFLICT (inbox_id) DO UPDATE SET account_ids = EXCLUDED.account_ids, created_at = now()`;

/**
 * The events part of a pipelined batch: the events with the accounts its profile part
 * attributed (the memberships as that batch left them, whatever the next batch does meanwhile).
 * Each row's array is unnested once (it is stored out of line: subscripting it per event would
 * fetch it from TOAST every time). $2 = inbox ids.
 */
export const INSERT_ATTRIBUTED_EVENTS = `
  INSERT INTO events (workspace_id, installation_id, inbox_id, message_id, type, event, user_id, anonymous_id,
                      group_id, previous_id, account_id, properties, traits, context, "timestamp", received_at)
  SELECT $1, b.installation_id, b.inbox_id, b.message_id, b.type, b.event, b.user_id, b.anonymous_id,
         b.group_id, b.previous_id, x.account_id,
         b.properties, b.traits, b.context, b.ts, b.received_at
  FROM drain_batch b
  LEFT JOIN (
    SELECT a.inbox_id, u.ord, u.account_id
    FROM inbox_attribution a CROSS JOIN LATERAL unnest(a.account_ids) WITH ORDINALITY AS u(account_id, ord)
    WHERE a.inbox_id = ANY($2::bigint[]) AND EXISTS (SELECT 1 FROM inbox i WHERE i.id = a.inbox_id AND i.workspace_id = $1)
  ) x ON x.inbox_id = b.inbox_id AND x.ord = b.ord
  WHERE b.state = 'new'
  ORDER BY b.inbox_id, b.ord`;

/**
 * $1 = workspace id, $2 = inbox ids (the batch's rows, marked processed). inbox_attribution has
 * no workspace column: the workspace is checked through the inbox row.
 */
export const DELETE_ATTRIBUTION = `
  DELETE FROM inbox_attribution a USING inbox i
  WHERE a.inbox_id = ANY($2::bigint[]) AND i.id = a.inbox_id AND i.workspace_id = $1`;

/** Trait keys per entity: type of the latest value, count of calls carrying it, first/last seen. */
export const UPSERT_CATALOG_TRAITS = `
  INSERT INTO catalog_traits AS c (workspace_id, entity, key, type, count, first_seen_at, last_seen_at)
  SELECT $1, x.entity, x.key, (array_agg(jsonb_typeof(x.value) ORDER BY x.ts DESC))[1], count(*), min(x.ts), max(x.ts)
  FROM (
    SELECT CASE b.type WHEN 'group' THEN 'account' ELSE 'user' END AS entity, t.key, t.value, b.ts
    FROM drain_batch b CROSS JOIN LATERAL jsonb_each(b.traits) t
    WHERE b.state = 'new' AND b.type IN ('identify', 'group')
  ) x
  GROUP BY x.entity, x.key
  ORDER BY x.entity, x.key
  ON CONFLICT (workspace_id, entity, key) DO UPDATE SET
    type = CASE WHEN EXCLUDED.last_seen_at >= c.last_seen_at THEN EXCLUDED.type ELSE c.type END,
    count = c.count + EXCLUDED.count,
    first_seen_at = least(c.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(c.last_seen_at, EXCLUDED.last_seen_at)`;

/** Track event names: projected and ignored counts. */
export const UPSERT_CATALOG_EVENTS = `
  INSERT INTO catalog_events AS c (workspace_id, name, count, ignored_count, first_seen_at, last_seen_at)
  SELECT $1, event, count(*) FILTER (WHERE state = 'new'), count(*) FILTER (WHERE state = 'ignored'), min(ts), max(ts)
  FROM drain_batch
  WHERE type = 'track' AND state IN ('new', 'ignored') AND event IS NOT NULL
  GROUP BY event
  ORDER BY event
  ON CONFLICT (workspace_id, name) DO UPDATE SET
    count = c.count + EXCLUDED.count,
    ignored_count = c.ignored_count + EXCLUDED.ignored_count,
    first_seen_at = least(c.first_seen_at, EXCLUDED.first_seen_at),
    last_seen_at = greatest(c.last_seen_at, EXCLUDED.last_seen_at),
    updated_at = now()`;

/**
 * Installation counters (contract 7), one statement per batch: counts per type and per drop
 * reason added, `lastEventAt` advanced, and a Segment destination waiting for its first message
 * flips to `receiving`. $2 = [{installation_id, counts, last_event_at, received}].
 */
export const UPDATE_INSTALLATION_STATS = `
  UPDATE installations i SET
    event_counts = hub_add_counts(i.event_counts, s.counts),
    last_event_at = CASE WHEN s.last_event_at IS NULL THEN i.last_event_at ELSE greatest(i.last_event_at, s.last_event_at) END,
    status = CASE WHEN i.status = 'waiting_for_first_message' AND s.received THEN 'receiving' ELSE i.status END
  FROM jsonb_to_recordset($2::jsonb) AS s(installation_id uuid, counts jsonb, last_event_at timestamptz, received boolean)
  WHERE i.workspace_id = $1 AND i.id = s.installation_id`;

/** $2 = inbox ids. */
export const MARK_INBOX_PROCESSED = `
  UPDATE inbox SET processed_at = now() WHERE workspace_id = $1 AND id = ANY($2::bigint[])`;

/** A row Postgres refuses to project: set aside with the reason. $2 = inbox id, $3 = reason. */
export const MARK_INBOX_FAILED = `
  UPDATE inbox SET processed_at = now(), drain_error = $3
  WHERE workspace_id = $1 AND id = $2::bigint AND processed_at IS NULL`;
