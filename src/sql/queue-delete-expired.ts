import { query, tableName, type Query } from './query.js';

/**
 * Deletes up to `limit` `river_queue` rows not refreshed for `retentionMs` (no running client
 * works the queue any more). A row a producer is refreshing right now is locked and skipped,
 * and one refreshed since the statement's snapshot is rechecked against its new `updated_at`,
 * so a live queue's row (and its pause) is never lost. Returns the deleted rows' `name`s.
 */
export function queueDeleteExpired(p: { schema: string | undefined; now: Date | null; retentionMs: number; limit: number }): Query {
  const queue = tableName(p.schema, 'river_queue');
  return query`WITH expired AS (
  SELECT name FROM ${queue}
  WHERE updated_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.retentionMs}::float8 / 1000)
  ORDER BY name
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
)
DELETE FROM ${queue} WHERE name = ANY (ARRAY(SELECT name FROM expired))
RETURNING name`;
}
