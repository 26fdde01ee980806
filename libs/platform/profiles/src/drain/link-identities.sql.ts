/**
 * Anonymous identities, run only when a batch has links (alias, identify with both ids) or
 * anonymous identify calls. `$1` = workspace id, `$2` = the user email trait where used.
 *
 * An anonymous id belongs to at most one profile. Linking it to a known user merges the
 * anonymous-only profile it belonged to (traits by per-key time, memberships by time, its other
 * anonymous ids) into that user; an anonymous id already linked to another known user stays
 * where it is (first link wins: ids are never moved between people).
 */

const LINKS = `
  links AS (
    SELECT DISTINCT ON (anon) anon, uid FROM (
      SELECT anonymous_id AS anon, user_id AS uid, ts FROM drain_batch
      WHERE state = 'new' AND type = 'identify' AND user_id IS NOT NULL AND anonymous_id IS NOT NULL
      UNION ALL
      SELECT previous_id, user_id, ts FROM drain_batch
      WHERE state = 'new' AND type = 'alias' AND user_id IS NOT NULL AND previous_id IS NOT NULL
    ) l
    ORDER BY anon, ts DESC, uid
  )`;

/** Anonymous-only profiles to fold into a known user: `drain_merges(src -> dst)`. */
export const FIND_MERGES = `
  WITH ${LINKS}
  INSERT INTO drain_merges (src, dst)
  SELECT DISTINCT ON (ai.profile_id) ai.profile_id, du.id
  FROM links l
  JOIN drain_users du ON du.user_id = l.uid
  JOIN profile_anonymous_ids ai ON ai.workspace_id = $1 AND ai.anonymous_id = l.anon
  JOIN profile_users p ON p.id = ai.profile_id AND p.user_id IS NULL
  ORDER BY ai.profile_id, du.id`;

/** Traits and first/last seen of the merged profiles into their user. $2 = email trait. */
export const MERGE_PROFILE_TRAITS = `
  WITH kv AS (
    SELECT DISTINCT ON (mg.dst, t.key) mg.dst, t.key, t.value, p.trait_meta -> t.key AS meta
    FROM drain_merges mg JOIN profile_users p ON p.id = mg.src CROSS JOIN LATERAL jsonb_each(p.traits) t
    ORDER BY mg.dst, t.key, (p.trait_meta -> t.key ->> 0)::float8 DESC NULLS LAST, t.value::text DESC
  ), inc AS (
    SELECT dst, jsonb_object_agg(key, value) AS vals, jsonb_object_agg(key, meta) AS meta FROM kv GROUP BY dst
  ), seen AS (
    SELECT mg.dst, min(p.first_seen_at) AS first_at, max(p.last_seen_at) AS last_at
    FROM drain_merges mg JOIN profile_users p ON p.id = mg.src GROUP BY mg.dst
  )
  UPDATE profile_users u SET
    (traits, trait_meta, email) = (
      SELECT m -> 0, m -> 1, (m -> 0) ->> $2::text FROM hub_lww_merge(u.traits, u.trait_meta, inc.vals, inc.meta) AS m),
    first_seen_at = least(u.first_seen_at, seen.first_at),
    last_seen_at = greatest(u.last_seen_at, seen.last_at),
    updated_at = now()
  FROM seen LEFT JOIN inc ON inc.dst = seen.dst
  WHERE u.id = seen.dst AND u.workspace_id = $1`;

export const MERGE_PROFILE_MEMBERSHIPS = `
  INSERT INTO profile_memberships AS m (user_profile_id, account_id, workspace_id, linked, changed_at)
  SELECT DISTINCT ON (mg.dst, pm.account_id) mg.dst, pm.account_id, $1, pm.linked, pm.changed_at
  FROM drain_merges mg JOIN profile_memberships pm ON pm.user_profile_id = mg.src
  ORDER BY mg.dst, pm.account_id, pm.changed_at DESC, pm.linked ASC
  ON CONFLICT (user_profile_id, account_id) DO UPDATE SET linked = EXCLUDED.linked, changed_at = EXCLUDED.changed_at
  WHERE (EXCLUDED.changed_at, NOT EXCLUDED.linked) > (m.changed_at, NOT m.linked)`;

export const MOVE_MERGED_ANONYMOUS_IDS = `
  UPDATE profile_anonymous_ids ai SET profile_id = mg.dst
  FROM drain_merges mg WHERE ai.workspace_id = $1 AND ai.profile_id = mg.src`;

/**
 * The merged profiles and their memberships (copied to the user above). Memberships reference
 * profiles without a foreign key (migration 1764410000002: the drain is their only writer), so
 * they are deleted here rather than by a cascade.
 */
export const DELETE_MERGED_PROFILES = `
  WITH gone AS (
    DELETE FROM profile_memberships m USING drain_merges mg WHERE m.workspace_id = $1 AND m.user_profile_id = mg.src
  )
  DELETE FROM profile_users p USING drain_merges mg WHERE p.workspace_id = $1 AND p.id = mg.src`;

/** Links whose anonymous id belonged to nobody yet. */
export const INSERT_LINKS = `
  WITH ${LINKS}
  INSERT INTO profile_anonymous_ids (workspace_id, anonymous_id, profile_id)
  SELECT $1, l.anon, du.id FROM links l JOIN drain_users du ON du.user_id = l.uid
  ORDER BY l.anon
  ON CONFLICT (workspace_id, anonymous_id) DO NOTHING`;

/** An identify with only an anonymous id: a profile for that id when it has none yet. */
export const CREATE_ANONYMOUS_PROFILES = `
  WITH fresh AS (
    SELECT x.anon, gen_random_uuid() AS id, x.first_at, x.last_at FROM (
      SELECT anonymous_id AS anon, min(ts) AS first_at, max(ts) AS last_at FROM drain_batch
      WHERE state = 'new' AND type = 'identify' AND user_id IS NULL AND anonymous_id IS NOT NULL
      GROUP BY anonymous_id
    ) x
    WHERE NOT EXISTS (SELECT 1 FROM profile_anonymous_ids ai WHERE ai.workspace_id = $1 AND ai.anonymous_id = x.anon)
  ), made AS (
    INSERT INTO profile_users (id, workspace_id, first_seen_at, last_seen_at)
    SELECT id, $1, first_at, last_at FROM fresh
  )
  INSERT INTO profile_anonymous_ids (workspace_id, anonymous_id, profile_id) SELECT $1, anon, id FROM fresh`;

/** Traits of anonymous identify calls into whichever profile owns the anonymous id. $2 = email trait. */
export const MERGE_ANONYMOUS_TRAITS = `
  WITH kv AS (
    SELECT DISTINCT ON (ai.profile_id, t.key) ai.profile_id AS pid, t.key, t.value,
           jsonb_build_array((extract(epoch FROM b.ts) * 1000)::bigint, b.installation_id) AS meta
    FROM drain_batch b
    JOIN profile_anonymous_ids ai ON ai.workspace_id = $1 AND ai.anonymous_id = b.anonymous_id
    CROSS JOIN LATERAL jsonb_each(b.traits) t
    WHERE b.state = 'new' AND b.type = 'identify' AND b.user_id IS NULL
    ORDER BY ai.profile_id, t.key, b.ts DESC, t.value::text DESC
  ), inc AS (
    SELECT pid, jsonb_object_agg(key, value) AS vals, jsonb_object_agg(key, meta) AS meta FROM kv GROUP BY pid
  ), seen AS (
    SELECT ai.profile_id AS pid, min(b.ts) AS first_at, max(b.ts) AS last_at
    FROM drain_batch b JOIN profile_anonymous_ids ai ON ai.workspace_id = $1 AND ai.anonymous_id = b.anonymous_id
    WHERE b.state = 'new' AND b.type = 'identify' AND b.user_id IS NULL
    GROUP BY ai.profile_id
  )
  UPDATE profile_users u SET
    (traits, trait_meta, email) = (
      SELECT m -> 0, m -> 1, (m -> 0) ->> $2::text FROM hub_lww_merge(u.traits, u.trait_meta, inc.vals, inc.meta) AS m),
    first_seen_at = least(u.first_seen_at, seen.first_at),
    last_seen_at = greatest(u.last_seen_at, seen.last_at),
    updated_at = now()
  FROM seen LEFT JOIN inc ON inc.pid = seen.pid
  WHERE u.id = seen.pid AND u.workspace_id = $1`;
