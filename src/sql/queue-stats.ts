import { query, tableName, type Query } from './query.js';

/**
 * Job counts by state for every queue that has jobs or a `river_queue` row (only `queues` when
 * given), in name order, with whether the queue is paused. One scan of the jobs of the chosen
 * queues.
 */
export function queueStats(p: { schema: string | undefined; queues: readonly string[] | null }): Query {
  const job = tableName(p.schema, 'river_job');
  const queue = tableName(p.schema, 'river_queue');
  // Counts come back as float8, which node-postgres reads as numbers (bigint comes as text).
  return query`WITH counts AS (
  SELECT queue,
    count(*) FILTER (WHERE state = 'available') AS available,
    count(*) FILTER (WHERE state = 'cancelled') AS cancelled,
    count(*) FILTER (WHERE state = 'completed') AS completed,
    count(*) FILTER (WHERE state = 'discarded') AS discarded,
    count(*) FILTER (WHERE state = 'pending') AS pending,
    count(*) FILTER (WHERE state = 'retryable') AS retryable,
    count(*) FILTER (WHERE state = 'running') AS running,
    count(*) FILTER (WHERE state = 'scheduled') AS scheduled
  FROM ${job}
  WHERE ${p.queues}::text[] IS NULL OR queue = ANY(${p.queues}::text[])
  GROUP BY queue
),
queues AS (
  SELECT name, paused_at FROM ${queue} WHERE ${p.queues}::text[] IS NULL OR name = ANY(${p.queues}::text[])
)
SELECT coalesce(c.queue, q.name) AS queue, q.paused_at IS NOT NULL AS paused,
  coalesce(c.available, 0)::float8 AS available, coalesce(c.cancelled, 0)::float8 AS cancelled,
  coalesce(c.completed, 0)::float8 AS completed, coalesce(c.discarded, 0)::float8 AS discarded,
  coalesce(c.pending, 0)::float8 AS pending, coalesce(c.retryable, 0)::float8 AS retryable,
  coalesce(c.running, 0)::float8 AS running, coalesce(c.scheduled, 0)::float8 AS scheduled
FROM counts AS c FULL JOIN queues AS q ON q.name = c.queue
ORDER BY 1`;
}
