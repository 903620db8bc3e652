import { query, tableName, type Query } from './query.js';

/**
 * Elects `leaderId`, or renews its lease when it already leads: the row is taken when absent or
 * expired, extended when it is ours, and left alone otherwise. River's clients elect with a
 * delete of expired rows then an insert that does nothing on conflict, and re-elect with an
 * update limited to their own id; this one statement does all three atomically, so Go and
 * TypeScript clients sharing a database still agree on one leader. Returns a row when
 * `leaderId` leads.
 */
export function leaderAttemptElect(p: { schema: string | undefined; leaderId: string; ttlMs: number }): Query {
  const leader = tableName(p.schema, 'river_leader');
  return query`INSERT INTO ${leader} AS l (leader_id, elected_at, expires_at)
VALUES (${p.leaderId}, now(), now() + make_interval(secs => ${p.ttlMs}::float8 / 1000))
ON CONFLICT (name) DO UPDATE SET
  leader_id = excluded.leader_id,
  elected_at = CASE WHEN l.leader_id = excluded.leader_id THEN l.elected_at ELSE excluded.elected_at END,
  expires_at = excluded.expires_at
WHERE l.leader_id = excluded.leader_id OR l.expires_at < now()
RETURNING leader_id`;
}

/**
 * Resigns: deletes the row if `leaderId` holds it and notifies `<schema>.river_leadership` with
 * `{"leader_id":"...","action":"resigned"}`, so followers elect at once instead of waiting for
 * the lease to expire.
 */
export function leaderResign(p: { schema: string | undefined; leaderId: string }): Query {
  const leader = tableName(p.schema, 'river_leader');
  return query`WITH resigned AS (
  DELETE FROM ${leader} WHERE leader_id = ${p.leaderId} RETURNING leader_id
)
SELECT pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_leadership',
  json_build_object('leader_id', leader_id, 'action', 'resigned')::text)
FROM resigned`;
}

/** The current leader's id and lease, if any. */
export function leaderGet(p: { schema: string | undefined }): Query {
  return query`SELECT leader_id, elected_at, expires_at FROM ${tableName(p.schema, 'river_leader')} WHERE expires_at >= now()`;
}
