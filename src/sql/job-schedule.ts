import { query, raw, tableName, type Query } from './query.js';
import { notifyWaitersExpression } from './waiter-notify.js';

/**
 * Makes scheduled and retryable jobs whose time has come available, at most `limit`, and
 * notifies each of their queues once. Returns how many it moved.
 */
export function jobSchedule(p: { schema: string | undefined; now: Date | null; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH due AS (
  SELECT id FROM ${job}
  WHERE state IN ('retryable', 'scheduled') AND scheduled_at <= coalesce(${p.now}::timestamptz, now())
  ORDER BY priority, scheduled_at, id
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
),
moved AS (
  UPDATE ${job} AS j SET state = 'available' WHERE j.id = ANY (ARRAY(SELECT id FROM due)) RETURNING j.queue
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert',
    '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM moved) AS q
)
SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT n FROM notified)::int AS notified`;
}

/** Makes one due job available; the scheduler's slow path, one job per statement. */
export function jobScheduleOne(p: { schema: string | undefined; id: number }): Query {
  return query`UPDATE ${tableName(p.schema, 'river_job')} SET state = 'available'
WHERE id = ${p.id} AND state IN ('retryable', 'scheduled')`;
}

/**
 * Discards a due job that cannot become available without breaking the unique index (its unique
 * states leave out retryable or scheduled, and a duplicate was inserted meanwhile), with a note
 * in its metadata as River does, announced to its waiters (`client.waitFor`).
 */
export function jobDiscardUniqueConflict(p: { schema: string | undefined; id: number }): Query {
  return query`UPDATE ${tableName(p.schema, 'river_job')} AS j
SET state = 'discarded', finalized_at = now(),
    metadata = j.metadata || '{"unique_key_conflict": "scheduler_discarded"}'::jsonb
WHERE j.id = ${p.id} AND j.state IN ('retryable', 'scheduled')
RETURNING ${raw(notifyWaitersExpression('j', p.schema))} AS notified`;
}

/** Ids of due jobs, for the slow path. */
export function jobListDue(p: { schema: string | undefined; now: Date | null; limit: number }): Query {
  return query`SELECT id FROM ${tableName(p.schema, 'river_job')}
WHERE state IN ('retryable', 'scheduled') AND scheduled_at <= coalesce(${p.now}::timestamptz, now())
ORDER BY priority, scheduled_at, id LIMIT ${p.limit}`;
}
