import { query, raw, tableName, type Query } from './query.js';
import { notifyWaitersExpression } from './waiter-notify.js';

/**
 * Cancels a job, as River's JobCancel. A job that is not running and not finalized is cancelled
 * at once. A running one stays running for the client working it: it gets
 * `metadata.cancel_attempted_at` and a `river_control` cancel notification, which aborts it
 * wherever it runs. A finalized job is left unchanged. Returns the job (`job`, row_to_json
 * text) as it is now, or no row for an unknown id. A job cancelled here is announced to its
 * waiters (`client.waitFor`).
 */
export function jobCancel(p: { schema: string | undefined; id: number }): Query {
  const job = tableName(p.schema, 'river_job');
  // `locked` is the latest version of the row (FOR UPDATE waits out a concurrent fetch), so the
  // decisions below use it rather than the statement's older snapshot.
  return query`WITH locked AS (
  SELECT * FROM ${job} WHERE id = ${p.id} FOR UPDATE
),
updated AS (
  UPDATE ${job} AS j SET
    state = CASE WHEN locked.state = 'running' THEN j.state ELSE 'cancelled' END,
    finalized_at = CASE WHEN locked.state = 'running' THEN j.finalized_at ELSE now() END,
    metadata = jsonb_set(j.metadata, '{cancel_attempted_at}', to_jsonb(now()), true)
  FROM locked
  WHERE j.id = locked.id AND locked.state NOT IN ('cancelled', 'completed', 'discarded')
  RETURNING j.*
),
notified AS (
  -- Only a running job needs its client told; any other was cancelled right here.
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_control',
    json_build_object('action', 'cancel', 'job_id', id, 'queue', queue)::text)) AS n
  FROM updated WHERE state = 'running'
),
waiters AS (
  SELECT count(*) FILTER (WHERE ${raw(notifyWaitersExpression('u', p.schema))}) AS n FROM updated AS u
)
SELECT row_to_json(u)::text AS job, (SELECT n FROM notified) AS notified, (SELECT n FROM waiters) AS waiters FROM updated AS u
UNION ALL
SELECT row_to_json(l)::text, 0, 0 FROM locked AS l WHERE NOT EXISTS (SELECT 1 FROM updated)`;
}
