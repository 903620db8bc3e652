import { SMALLINT_MAX } from '../schema/sql-types.js';
import { query, tableName, type Query } from './query.js';
import { inWorkflow, pendingInWorkflow, workflowIdOf } from './workflow-release.js';

/**
 * Retries a workflow's failed tasks, in its transaction after its lock: each task that ran and
 * ended cancelled or discarded, or was cancelled before it ran while waiting on nothing, is
 * made available now (as `jobRetry` does: `finalized_at` cleared, `max_attempts` raised when used
 * up); each task with deps that was cancelled before it ran (by a failed dependency, or by
 * `workflowCancel`) waits again as `pending`, for the release that follows in the same
 * transaction. Returns how many tasks it retried and made wait again.
 */
export function workflowRetryTasks(p: { schema: string | undefined; workflowId: string }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  return query`WITH failed AS (
  SELECT j.id, (j.attempt = 0 AND jsonb_array_length(coalesce(j.metadata -> 'tributary:workflow' -> 'deps', '[]')) > 0) AS waits
  FROM ${job} AS j
  WHERE ${workflowIdOf('j')} = ${p.workflowId} AND ${inWorkflow('j')} AND j.state IN ('cancelled', 'discarded')
),
updated AS (
  UPDATE ${job} AS j SET
    state = (CASE WHEN f.waits THEN 'pending' ELSE 'available' END)::text::${state},
    scheduled_at = CASE WHEN f.waits THEN j.scheduled_at ELSE now() END,
    finalized_at = NULL,
    metadata = j.metadata - 'cancel_attempted_at',
    max_attempts = CASE WHEN j.attempt >= j.max_attempts THEN least(j.attempt + 1, ${SMALLINT_MAX}::int) ELSE j.max_attempts END
  FROM failed AS f WHERE j.id = f.id
  RETURNING j.state, j.queue
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert', '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM updated WHERE state = 'available') AS q
)
SELECT (SELECT count(*) FROM updated WHERE state = 'available')::int AS retried,
  (SELECT count(*) FROM updated WHERE state = 'pending')::int AS waiting, (SELECT n FROM notified)::int AS notified`;
}

/**
 * Cancels every task of a workflow that is not finalized: at once when it is not running; a
 * running one gets `metadata.cancel_attempted_at` and a `river_control` cancel notification, as
 * `jobCancel` does, and ends cancelled in the client working it. Returns how many it cancelled
 * and how many it asked to stop.
 */
export function workflowCancelTasks(p: { schema: string | undefined; workflowId: string }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH updated AS (
  UPDATE ${job} AS j SET
    state = CASE WHEN j.state = 'running' THEN j.state ELSE 'cancelled' END,
    finalized_at = CASE WHEN j.state = 'running' THEN j.finalized_at ELSE now() END,
    metadata = jsonb_set(j.metadata, '{cancel_attempted_at}', to_jsonb(now()), true)
  WHERE ${workflowIdOf('j')} = ${p.workflowId} AND ${inWorkflow('j')} AND j.state NOT IN ('cancelled', 'completed', 'discarded')
  RETURNING j.id, j.state, j.queue
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_control',
    json_build_object('action', 'cancel', 'job_id', id, 'queue', queue)::text)) AS n
  FROM updated WHERE state = 'running'
)
SELECT (SELECT count(*) FROM updated WHERE state = 'cancelled')::int AS cancelled,
  (SELECT count(*) FROM updated WHERE state = 'running')::int AS running, (SELECT n FROM notified)::int AS notified`;
}

/** The ids of workflows with a task waiting on dependencies, after `after` in id order, at most `limit`: what the repairer looks at. */
export function workflowsPending(p: { schema: string | undefined; after: string; limit: number }): Query {
  return query`SELECT DISTINCT ${workflowIdOf('j')} AS id FROM ${tableName(p.schema, 'river_job')} AS j
WHERE ${pendingInWorkflow('j')} AND ${workflowIdOf('j')} > ${p.after}
ORDER BY 1 LIMIT ${p.limit}`;
}
