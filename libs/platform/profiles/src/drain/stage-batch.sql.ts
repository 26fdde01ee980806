/**
 * Statements that open a drain transaction: serialize drains of one workspace, claim inbox rows,
 * and expand their messages in SQL into the transaction's staging table (nothing of the events
 * travels through Node). All take `$1` = workspace id.
 */

/**
 * Per-connection staging tables, emptied at every commit. A batch's sorts and hashes fit in
 * 64 MB of work memory instead of spilling to disk; JIT is off because compiling the events
 * insert cost more (half a second) than running it.
 *
 * A drain transaction does not wait for its WAL to reach the disk (`synchronous_commit = off`;
 * the WAL writer flushes within a few hundred milliseconds): a crash can lose only the latest
 * commits, whole and in order, and their inbox rows are then pending again and projected anew.
 * Nothing outside Postgres acts on a drain commit before a later synchronous commit (the
 * fan-out's) has flushed it, and the edge's inbox commits stay synchronous.
 */
export const CREATE_STAGING_TABLES = `
  SET LOCAL client_min_messages = warning;
  SET LOCAL work_mem = '64MB';
  SET LOCAL jit = off;
  SET LOCAL synchronous_commit = off;
  CREATE TEMP TABLE IF NOT EXISTS drain_batch (
    inbox_id bigint NOT NULL,
    ord bigint NOT NULL,
    installation_id uuid NOT NULL,
    received_at timestamptz NOT NULL,
    state text NOT NULL,
    type text,
    message_id text,
    user_id text,
    anonymous_id text,
    group_id text,
    previous_id text,
    event text,
    ts timestamptz,
    context jsonb,
    properties jsonb,
    traits jsonb,
    ctx_group_id text,
    company_id text,
    company_remove boolean NOT NULL DEFAULT false,
    prop_account text
  ) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS drain_accounts (group_id text PRIMARY KEY, id uuid NOT NULL) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS drain_users (user_id text PRIMARY KEY, id uuid NOT NULL) ON COMMIT DELETE ROWS;
  CREATE TEMP TABLE IF NOT EXISTS drain_merges (src uuid PRIMARY KEY, dst uuid NOT NULL) ON COMMIT DELETE ROWS;
`;

/**
 * A drain projects a batch in two transactions (see InboxDrain): the profile part (accounts,
 * users, links, memberships) and then the events part (events, catalog, counters, the rows marked
 * processed), so the events of one batch can be written while the profiles of the next are. Each
 * part holds its own per-workspace lock: two drains of one workspace (two replicas, a relay job
 * beside an edge job) never interleave their profile parts, nor their events parts. Different
 * workspaces run in parallel. The model settings API takes both, profiles first.
 */
export const LOCK_WORKSPACE = `SELECT pg_advisory_xact_lock(hashtextextended('hub:drain:' || $1::text, 0))`;
export const LOCK_WORKSPACE_EVENTS = `SELECT pg_advisory_xact_lock(hashtextextended('hub:drain-events:' || $1::text, 0))`;

/**
 * $2 = max rows, $3 = the last row id this drain has claimed (0 at first): a drain's profile part
 * runs one batch ahead of its events part, so rows it projected but has not yet marked processed
 * are still pending and must not be claimed twice. Oldest first, so one workspace's messages are
 * projected in arrival order (by the bigint id: the text alias must not be what ORDER BY sorts,
 * or row 10 would come before row 9).
 */
export const CLAIM_INBOX_ROWS = `
  SELECT i.id::text AS id, i.event_count AS "eventCount"
  FROM inbox i
  WHERE i.workspace_id = $1 AND i.processed_at IS NULL AND i.id > $3::bigint
  ORDER BY i.id
  LIMIT $2
  FOR UPDATE SKIP LOCKED`;

/**
 * The events part's claim of the rows its profile part projected: those still pending (another
 * drain of the workspace may have finished some meanwhile), locked until the batch commits.
 * $2 = inbox ids.
 */
export const RECLAIM_PROJECTED_ROWS = `
  SELECT i.id::text AS id, i.event_count AS "eventCount"
  FROM inbox i
  WHERE i.workspace_id = $1 AND i.id = ANY($2::bigint[]) AND i.processed_at IS NULL
  ORDER BY i.id
  FOR UPDATE`;

export const READ_MODEL_SETTINGS = `
  SELECT account_name_trait AS "accountNameTrait", user_email_trait AS "userEmailTrait",
         account_id_property AS "accountIdProperty", page_events AS "pageEvents"
  FROM profile_settings WHERE workspace_id = $1`;

/**
 * Expands the claimed rows' messages and classifies each one:
 * `echo` (sent by a hub: contract 3), `unsupported`, `duplicate` (a messageId already stored, or
 * repeated within the batch: the first copy wins), `ignored` (the admin ignored the track event
 * name), `page_skipped` (page events are off), else `new`. Answers one summary row per
 * (installation, state, type) for the installation counters and to skip needless statements.
 *
 * $2 = inbox ids, $3 = page events on, $4 = the account id property (or null), $5 = whether to
 * stage the columns only events need (`context`, `properties`): the profile part does not.
 */
export const STAGE_MESSAGES = `
  WITH raw AS (
    SELECT i.id AS inbox_id, e.ord, i.installation_id, i.received_at, e.m,
           coalesce(jsonb_typeof(e.m -> 'context' -> 'hubOrigin') = 'object', false) AS echo
    FROM inbox i CROSS JOIN LATERAL jsonb_array_elements(i.events) WITH ORDINALITY AS e(m, ord)
    WHERE i.workspace_id = $1 AND i.id = ANY($2::bigint[])
  ), ranked AS (
    SELECT raw.*, raw.m ->> 'type' AS type, raw.m ->> 'messageId' AS message_id,
           row_number() OVER (PARTITION BY raw.echo, raw.m ->> 'messageId' ORDER BY raw.inbox_id, raw.ord) AS copy
    FROM raw
  ), staged AS (
    INSERT INTO drain_batch (inbox_id, ord, installation_id, received_at, state, type, message_id, user_id,
      anonymous_id, group_id, previous_id, event, ts, context, properties, traits, ctx_group_id, company_id,
      company_remove, prop_account)
    SELECT r.inbox_id, r.ord, r.installation_id, r.received_at,
      CASE
        WHEN r.echo THEN 'echo'
        WHEN r.message_id IS NULL OR r.type IS NULL
          OR r.type NOT IN ('identify', 'track', 'page', 'screen', 'group', 'alias') THEN 'unsupported'
        WHEN r.copy > 1 THEN 'duplicate'
        WHEN r.type = 'track' AND EXISTS (
          SELECT 1 FROM catalog_events c
          WHERE c.workspace_id = $1 AND c.name = r.m ->> 'event' AND c.status = 'ignored') THEN 'ignored'
        WHEN EXISTS (SELECT 1 FROM events x WHERE x.workspace_id = $1 AND x.message_id = r.message_id) THEN 'duplicate'
        WHEN r.type = 'page' AND NOT $3::boolean THEN 'page_skipped'
        ELSE 'new'
      END,
      r.type, r.message_id,
      hub_json_id(r.m -> 'userId'), hub_json_id(r.m -> 'anonymousId'),
      hub_json_id(r.m -> 'groupId'), hub_json_id(r.m -> 'previousId'),
      CASE WHEN r.type = 'track' THEN r.m ->> 'event' WHEN r.type IN ('page', 'screen') THEN r.m ->> 'name' END,
      (r.m ->> 'timestamp')::timestamptz,
      CASE WHEN $5::boolean THEN coalesce(r.m -> 'context', '{}'::jsonb) END,
      CASE WHEN $5::boolean THEN r.m -> 'properties' END,
      r.m -> 'traits',
      hub_json_id(r.m -> 'context' -> 'groupId'),
      CASE WHEN r.type = 'identify' THEN hub_json_id(r.m -> 'traits' -> 'company' -> 'id') END,
      coalesce(r.type = 'identify' AND r.m -> 'traits' -> 'company' -> 'remove' = 'true'::jsonb, false),
      CASE WHEN r.type = 'track' AND $4::text IS NOT NULL THEN hub_json_id(r.m -> 'properties' -> $4::text) END
    FROM ranked r
    RETURNING installation_id, state, type, received_at, user_id, anonymous_id
  )
  SELECT installation_id AS "installationId", state, type, count(*)::int AS n,
         max(received_at) AS "lastReceivedAt",
         count(*) FILTER (WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL)::int AS "bothIds",
         count(*) FILTER (WHERE user_id IS NULL)::int AS "anonymousOnly"
  FROM staged
  GROUP BY installation_id, state, type`;

/**
 * Temporary tables get no statistics from autovacuum; without them the planner guesses a few
 * dozen rows and hashes the wide staging rows over and over. The row count is what matters, so
 * only two narrow columns are sampled (the jsonb ones would cost more than they help).
 */
export const ANALYZE_STAGING = `ANALYZE drain_batch (state, type)`;
