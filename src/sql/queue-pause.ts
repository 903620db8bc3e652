import { query, raw, tableName, type Query } from './query.js';

function queueSetPaused(p: { schema: string | undefined; name: string; paused: boolean }): Query {
  const queue = tableName(p.schema, 'river_queue');
  const action = p.paused ? 'pause' : 'resume';
  // paused_at and updated_at change only for a queue whose state changes, as in River.
  const set = raw(p.paused
    ? 'paused_at = coalesce(paused_at, now()), updated_at = CASE WHEN paused_at IS NULL THEN now() ELSE updated_at END'
    : 'paused_at = NULL, updated_at = CASE WHEN paused_at IS NOT NULL THEN now() ELSE updated_at END');
  return query`WITH updated AS (
  UPDATE ${queue} SET ${set}
  WHERE ${p.name}::text = '*' OR name = ${p.name}::text
  RETURNING name
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_control',
    json_build_object('action', ${action}::text, 'queue', ${p.name}::text)::text)) AS n
  WHERE ${p.name}::text = '*' OR EXISTS (SELECT 1 FROM updated)
)
SELECT (SELECT count(*) FROM updated)::int AS updated, (SELECT n FROM notified)::int AS notified`;
}

/**
 * Pauses a queue (`'*'`: every queue), as River's QueuePause: sets `paused_at`, which producers
 * read when they start and refresh, and sends a `river_control` pause notification, which
 * running producers obey at once. Returns `updated`, the rows changed or already paused; a
 * named queue without a row is not notified.
 */
export function queuePause(p: { schema: string | undefined; name: string }): Query {
  return queueSetPaused({ ...p, paused: true });
}

/** Resumes a queue (`'*'`: every queue), the reverse of {@link queuePause}. */
export function queueResume(p: { schema: string | undefined; name: string }): Query {
  return queueSetPaused({ ...p, paused: false });
}
