/**
 * Profile projection of the staged `new` messages: accounts, known users, memberships. Each is
 * one statement for the whole batch. `$1` = workspace id.
 *
 * Traits: the batch's latest value per (profile, key) by event time (ties: the greater JSON
 * text) replaces the stored one unless that is newer. `trait_meta` records
 * `[epochMillis, installationId]` per key: when and who.
 */

/**
 * The upsert's SET for traits and the column derived from them ($2 names the trait). The input
 * carries only the keys whose incoming value wins (see `winningTraits`), so merging is a plain
 * `||` of top-level keys, and the derived column changes only when its key won: it always equals
 * the stored traits' value otherwise (the settings API recomputes it under the drain's lock).
 * Most rows of a batch only name a profile (a track's user, a context.groupId) and carry no
 * winning traits: they keep their jsonb as is, so their update (last seen) stays HOT and small.
 */
const mergeTraits = (alias: string, derived: string) => {
  const none = `EXCLUDED.traits = '{}'::jsonb`;
  return `traits = CASE WHEN ${none} THEN ${alias}.traits ELSE ${alias}.traits || EXCLUDED.traits END,
      trait_meta = CASE WHEN ${none} THEN ${alias}.trait_meta ELSE ${alias}.trait_meta || EXCLUDED.trait_meta END,
      ${derived} = CASE WHEN EXCLUDED.traits ? $2::text THEN EXCLUDED.traits ->> $2::text ELSE ${alias}.${derived} END`;
};

/**
 * The batch's latest value per (profile key, trait key) (by event time; ties: the greater JSON
 * text), kept only where it wins over the stored one by the same rule (last writer wins per key,
 * as `hub_lww_merge` decides), with its provenance `[epochMillis, installationId]`; then one
 * object of values and one of provenance per profile. The stored traits are read once per
 * profile that carries traits (an index lookup); no other writer changes traits while the
 * workspace's drain lock is held.
 */
const winningTraits = (table: string, keyColumn: string, where: string) => `
  kv AS (
    SELECT DISTINCT ON (b.${keyColumn}, t.key) b.${keyColumn} AS pkey, t.key, t.value,
           (extract(epoch FROM b.ts) * 1000)::bigint AS at, b.installation_id
    FROM drain_batch b CROSS JOIN LATERAL jsonb_each(b.traits) t
    WHERE ${where}
    ORDER BY b.${keyColumn}, t.key, b.ts DESC, t.value::text DESC
  ), cur AS (
    SELECT p.pkey, c.traits, c.trait_meta
    FROM (SELECT DISTINCT pkey FROM kv) p
    LEFT JOIN LATERAL (
      SELECT x.traits, x.trait_meta FROM ${table} x WHERE x.workspace_id = $1 AND x.${keyColumn} = p.pkey LIMIT 1
    ) c ON true
  ), inc AS (
    SELECT kv.pkey, jsonb_object_agg(kv.key, kv.value) AS vals,
           jsonb_object_agg(kv.key, jsonb_build_array(kv.at, kv.installation_id)) AS meta
    FROM kv JOIN cur ON cur.pkey = kv.pkey
    WHERE (cur.trait_meta -> kv.key ->> 0) IS NULL
       OR kv.at > (cur.trait_meta -> kv.key ->> 0)::float8
       OR (kv.at = (cur.trait_meta -> kv.key ->> 0)::float8 AND kv.value::text > coalesce((cur.traits -> kv.key)::text, ''))
    GROUP BY kv.pkey
  )`;

/**
 * Accounts from group calls (with traits), and stubs for the accounts that other calls name
 * (`context.groupId`, identify `traits.company.id`, the configured track property), so links and
 * attribution never wait for a group call that may arrive later. $2 = the account name trait.
 * Fills `drain_accounts` (groupId -> account id) for the statements that follow.
 */
export const UPSERT_ACCOUNTS = `
  WITH refs AS (
    SELECT group_id AS gid, ts FROM drain_batch WHERE state = 'new' AND type = 'group' AND group_id IS NOT NULL
    UNION ALL
    SELECT ctx_group_id, ts FROM drain_batch WHERE state = 'new' AND ctx_group_id IS NOT NULL AND type NOT IN ('group', 'alias')
    UNION ALL
    SELECT company_id, ts FROM drain_batch WHERE state = 'new' AND company_id IS NOT NULL
    UNION ALL
    SELECT prop_account, ts FROM drain_batch WHERE state = 'new' AND prop_account IS NOT NULL
  ), seen AS (
    SELECT gid, min(ts) AS first_at, max(ts) AS last_at FROM refs GROUP BY gid
  ), ${winningTraits('profile_accounts', 'group_id', `b.state = 'new' AND b.type = 'group' AND b.group_id IS NOT NULL`)},
  up AS (
    INSERT INTO profile_accounts AS a (workspace_id, group_id, name, traits, trait_meta, first_seen_at, last_seen_at)
    SELECT $1, s.gid, inc.vals ->> $2::text, coalesce(inc.vals, '{}'::jsonb), coalesce(inc.meta, '{}'::jsonb), s.first_at, s.last_at
    FROM seen s LEFT JOIN inc ON inc.pkey = s.gid
    ORDER BY s.gid
    ON CONFLICT (workspace_id, group_id) DO UPDATE SET
      ${mergeTraits('a', 'name')},
      first_seen_at = least(a.first_seen_at, EXCLUDED.first_seen_at),
      last_seen_at = greatest(a.last_seen_at, EXCLUDED.last_seen_at),
      updated_at = now()
    RETURNING a.group_id, a.id
  )
  INSERT INTO drain_accounts (group_id, id) SELECT group_id, id FROM up`;

/**
 * Known users: every userId of the batch (any call), traits from identify calls.
 * $2 = the user email trait. Fills `drain_users` (userId -> profile id).
 */
export const UPSERT_USERS = `
  WITH seen AS (
    SELECT user_id AS uid, min(ts) AS first_at, max(ts) AS last_at
    FROM drain_batch WHERE state = 'new' AND user_id IS NOT NULL GROUP BY user_id
  ), ${winningTraits('profile_users', 'user_id', `b.state = 'new' AND b.type = 'identify' AND b.user_id IS NOT NULL`)},
  up AS (
    INSERT INTO profile_users AS u (workspace_id, user_id, email, traits, trait_meta, first_seen_at, last_seen_at)
    SELECT $1, s.uid, inc.vals ->> $2::text, coalesce(inc.vals, '{}'::jsonb), coalesce(inc.meta, '{}'::jsonb), s.first_at, s.last_at
    FROM seen s LEFT JOIN inc ON inc.pkey = s.uid
    ORDER BY s.uid
    ON CONFLICT (workspace_id, user_id) DO UPDATE SET
      ${mergeTraits('u', 'email')},
      first_seen_at = least(u.first_seen_at, EXCLUDED.first_seen_at),
      last_seen_at = greatest(u.last_seen_at, EXCLUDED.last_seen_at),
      updated_at = now()
    RETURNING u.user_id, u.id
  )
  INSERT INTO drain_users (user_id, id) SELECT user_id, id FROM up`;

/** The profile of each staged message: by userId, else by a known anonymous id. */
export const RESOLVED_PROFILE_JOINS = `
  LEFT JOIN drain_users du ON du.user_id = b.user_id
  LEFT JOIN profile_anonymous_ids ai
    ON b.user_id IS NULL AND ai.workspace_id = $1 AND ai.anonymous_id = b.anonymous_id`;

/**
 * Memberships: a group call with a user links; identify `traits.company` links, or unlinks with
 * `remove: true`; `context.groupId` on any other call links. Last writer wins by event time
 * (ties: unlink), so links and unlinks delivered out of order converge.
 */
export const UPSERT_MEMBERSHIPS = `
  WITH r AS (
    SELECT b.type, b.group_id, b.ctx_group_id, b.company_id, b.company_remove, b.ts,
           coalesce(du.id, ai.profile_id) AS user_pk
    FROM drain_batch b ${RESOLVED_PROFILE_JOINS}
    WHERE b.state = 'new' AND b.type <> 'alias'
      AND (b.type = 'group' OR b.ctx_group_id IS NOT NULL OR b.company_id IS NOT NULL)
  ), src AS (
    SELECT r.user_pk, a.id AS account_id, true AS linked, r.ts
    FROM r JOIN drain_accounts a ON a.group_id = r.group_id WHERE r.type = 'group'
    UNION ALL
    SELECT r.user_pk, a.id, NOT r.company_remove, r.ts FROM r JOIN drain_accounts a ON a.group_id = r.company_id
    UNION ALL
    SELECT r.user_pk, a.id, true, r.ts FROM r JOIN drain_accounts a ON a.group_id = r.ctx_group_id WHERE r.type <> 'group'
  ), latest AS (
    SELECT DISTINCT ON (user_pk, account_id) user_pk, account_id, linked, ts
    FROM src WHERE user_pk IS NOT NULL
    ORDER BY user_pk, account_id, ts DESC, linked ASC
  )
  INSERT INTO profile_memberships AS m (user_profile_id, account_id, workspace_id, linked, changed_at)
  SELECT user_pk, account_id, $1, linked, ts FROM latest ORDER BY user_pk, account_id
  ON CONFLICT (user_profile_id, account_id) DO UPDATE SET linked = EXCLUDED.linked, changed_at = EXCLUDED.changed_at
  WHERE (EXCLUDED.changed_at, NOT EXCLUDED.linked) > (m.changed_at, NOT m.linked)`;
