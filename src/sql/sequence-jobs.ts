import { HOLDING_STATES, halts, indexed, keyOf } from './sequence-promote.js';
import { query, raw, tableName, type Query } from './query.js';

/**
 * How far back, in job ids, a sequence's completed jobs are looked for. Completed jobs are not
 * in the sequence index (they are the bulk of a busy table), so they are found by a primary-key
 * range scan ending where the sequence stands: bounded work on a table of any size.
 */
export const SEQUENCE_DONE_LOOKBACK_IDS = 10_000;

const COLUMNS = raw(`j.id::text AS id, j.state::text AS state, j.attempt, j.max_attempts, j.created_at, j.scheduled_at, j.attempted_at, j.finalized_at,
    (j.errors[array_upper(j.errors, 1)] ->> 'error') AS error`);

/**
 * The jobs of one sequence, in run (id) order, each with its role: `done` (completed), `current`
 * (holding it: available, scheduled, running, retryable), `halting` (cancelled or discarded and
 * halting it), `skipped` (cancelled or discarded without halting: resumed past, continued on, or
 * never ran) and `waiting` (pending). At most `limit` of each of: the newest cancelled and
 * discarded, the first waiting, and the newest completed within
 * {@link SEQUENCE_DONE_LOOKBACK_IDS} ids before where it stands (its current job, else its
 * halting one, else its first waiting one, else the end of the table). All but the completed
 * jobs come from the sequence index.
 */
export function sequenceJobs(p: { schema: string | undefined; key: string; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH holding AS (
  SELECT ${COLUMNS}, 'current' AS role FROM ${job} AS j
  WHERE ${keyOf('j')} = ${p.key}::text AND j.state IN ${HOLDING_STATES} AND ${indexed('j')}
  ORDER BY j.id LIMIT ${p.limit}
),
ended AS (
  SELECT ${COLUMNS}, CASE WHEN ${halts('j')} THEN 'halting' ELSE 'skipped' END AS role FROM ${job} AS j
  WHERE ${keyOf('j')} = ${p.key}::text AND j.state IN ('cancelled', 'discarded') AND ${indexed('j')}
  ORDER BY j.id DESC LIMIT ${p.limit}
),
waiting AS (
  SELECT ${COLUMNS}, 'waiting' AS role FROM ${job} AS j
  WHERE ${keyOf('j')} = ${p.key}::text AND j.state = 'pending' AND ${indexed('j')}
  ORDER BY j.id LIMIT ${p.limit}
),
stands AS (
  SELECT coalesce((SELECT min(id::bigint) FROM holding), (SELECT min(id::bigint) FROM ended WHERE role = 'halting'),
    (SELECT min(id::bigint) FROM waiting), (SELECT max(id) + 1 FROM ${job})) AS id
),
done AS (
  SELECT ${COLUMNS}, 'done' AS role FROM ${job} AS j, stands AS s
  WHERE j.id < s.id AND j.id >= s.id - ${SEQUENCE_DONE_LOOKBACK_IDS}::bigint AND j.state = 'completed' AND ${keyOf('j')} = ${p.key}::text
  ORDER BY j.id DESC LIMIT ${p.limit}
)
SELECT * FROM (SELECT * FROM done UNION ALL SELECT * FROM ended UNION ALL SELECT * FROM holding UNION ALL SELECT * FROM waiting) AS all_jobs
ORDER BY id::bigint`;
}
