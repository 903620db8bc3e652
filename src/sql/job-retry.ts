import { SMALLINT_MAX } from '../schema/sql-types.js';
import { query, tableName, type Query } from './query.js';

/**
 * Makes a job available to run now, as River's JobRetry: scheduled_at now, finalized_at null,
 * and max_attempts raised to attempt + 1 when its attempts are used up. A running job, and an
 * available one already due, are left unchanged. A job made available notifies its queue on
 * `river_insert`. A sequenced job (`metadata.tributary:sequence`) that is pending or finalized
 * goes back to `pending` instead, to run when its sequence reaches it again (it is older than
 * the jobs waiting, so next), and forgets that its sequence was resumed past it: only a job
 * holding its sequence is made available at once. Returns the job (`job`, row_to_json text) as it is now, or no row for an
 * unknown id.
 */
export function jobRetry(p: { schema: string | undefined; id: number }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH locked AS (
  SELECT * FROM ${job} WHERE id = ${p.id} FOR UPDATE
),
updated AS (
  UPDATE ${job} AS j SET
    state = CASE WHEN locked.metadata ? 'tributary:sequence' AND locked.state IN ('pending', 'cancelled', 'completed', 'discarded')
      THEN 'pending' ELSE 'available' END::${tableName(p.schema, 'river_job_state')},
    metadata = CASE WHEN locked.metadata ? 'tributary:sequence' THEN j.metadata #- '{tributary:sequence,resumed_at}' ELSE j.metadata END,
    scheduled_at = now(),
    finalized_at = NULL,
    max_attempts = CASE WHEN j.attempt >= j.max_attempts THEN least(j.attempt + 1, ${SMALLINT_MAX}::int) ELSE j.max_attempts END
  FROM locked
  WHERE j.id = locked.id
    AND locked.state <> 'running'
    AND NOT (locked.state = 'available' AND locked.scheduled_at <= now())
  RETURNING j.*
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert',
    '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM updated WHERE state = 'available'
)
SELECT row_to_json(u)::text AS job, (SELECT n FROM notified) AS notified FROM updated AS u
UNION ALL
SELECT row_to_json(l)::text, 0 FROM locked AS l WHERE NOT EXISTS (SELECT 1 FROM updated)`;
}
