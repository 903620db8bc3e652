import {
  WORKFLOW_ID_EXPRESSION, WORKFLOW_INDEX_PREDICATE, WORKFLOW_PENDING_PREDICATE, WORKFLOW_TASK_EXPRESSION, WORKFLOW_FAILED_PREDICATE,
} from '../schema/create-schema.js';
import { arrayLiteral } from './array-literal.js';
import { query, raw, tableName, type Query, type Raw } from './query.js';

/** The workflow indexes' expressions and predicates for a table alias, so the planner matches them. */
const at = (expression: string, alias: string): Raw => raw(expression.replaceAll('metadata', `${alias}.metadata`).replace(/\bstate\b/, `${alias}.state`));
export const workflowIdOf = (alias: string): Raw => at(WORKFLOW_ID_EXPRESSION, alias);
export const workflowTaskOf = (alias: string): Raw => at(WORKFLOW_TASK_EXPRESSION, alias);
export const inWorkflow = (alias: string): Raw => at(WORKFLOW_INDEX_PREDICATE, alias);
export const pendingInWorkflow = (alias: string): Raw => at(WORKFLOW_PENDING_PREDICATE, alias);
export const failedInWorkflow = (alias: string): Raw => at(WORKFLOW_FAILED_PREDICATE, alias);

/**
 * Takes the transaction-scoped advisory lock of each workflow, in the order given (callers sort
 * the ids, so two transactions never wait on each other in a circle). Run it as a statement of
 * its own before the statements that write outcomes and release dependents, in the same
 * transaction: under READ COMMITTED those statements then take their snapshots after every
 * earlier holder of the lock committed, so of two dependencies completing at once, the second
 * to commit sees the first's completion and exactly one of them releases the dependent.
 */
export function workflowLock(p: { schema: string | undefined; ids: readonly string[] }): Query {
  return query`SELECT count(pg_advisory_xact_lock(hashtextextended(coalesce(${p.schema ?? null}::text, current_schema()) || '.tributary_workflow.' || id, 0)))::int AS locked
FROM unnest(${arrayLiteral(p.ids)}::text::text[]) AS id`;
}

/**
 * Tasks with more deps than this are decided whatever finished (a fan-in's child): finding a
 * name in a long deps array costs more than probing its last unfinished dependency.
 */
const MANY_DEPS = 64;

/**
 * Decides every pending task of these workflows whose dependencies are decided: released
 * (`available`, or `scheduled` while its `scheduled_at` is in the future) once each dependency
 * completed, or also ended cancelled or discarded for a task with `ignoreDependencyFailure`;
 * cancelled, with an error naming the dependency, once one ended cancelled or discarded. A
 * dependency whose row is gone (deleted by the cleaner after it completed, or by hand) counts as
 * completed: only a finished job is ever cleaned. Notifies `river_insert` for each queue that
 * got an available task. `names`: only tasks waiting on one of these task names (those just
 * finished); null: every pending task. Either way the workflows' pending tasks are read (by the
 * pending index): the cost of a release grows with the pending tasks of its workflows. Returns how many
 * tasks it released and cancelled, and the names cancelled: a cancel may decide the cancelled
 * task's own dependents, so callers repeat it for those while it cancels any.
 *
 * What holds a task back is found by probing its dependencies by name, last first, stopping at
 * the first unfinished one: dependencies finish roughly in the order they were added, so a
 * fan-in of 10,000 looks at one or two of them per completion rather than all. Failures are
 * looked up among the workflows' cancelled and discarded tasks, read once (normally none).
 */
export function workflowRelease(p: { schema: string | undefined; ids: readonly string[]; names: readonly string[] | null }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  const ids = arrayLiteral(p.ids);
  // The names as the keys of a JSON object: a task's few deps are each looked up in it (a binary
  // search), where `deps ?| names` scanned every name for each pending task.
  const finished = p.names === null ? null : JSON.stringify(Object.fromEntries(p.names.map((name) => [name, true])));
  return query`WITH waiting AS MATERIALIZED (
  SELECT w.id, w.metadata -> 'tributary:workflow' AS wf, w.metadata -> 'tributary:workflow' -> 'deps' AS deps FROM ${job} AS w
  WHERE ${workflowIdOf('w')} = ANY(${ids}::text::text[]) AND ${pendingInWorkflow('w')}
    AND (${finished}::text::jsonb IS NULL OR jsonb_array_length(w.metadata -> 'tributary:workflow' -> 'deps') > ${MANY_DEPS}
      OR ${finished}::text::jsonb ?| ARRAY(SELECT jsonb_array_elements_text(w.metadata -> 'tributary:workflow' -> 'deps')))
),
failed AS MATERIALIZED (
  SELECT ${workflowIdOf('f')} AS workflow, ${workflowTaskOf('f')} AS task, f.state, f.id FROM ${job} AS f
  WHERE ${workflowIdOf('f')} = ANY(${ids}::text::text[]) AND ${failedInWorkflow('f')}
),
decided AS MATERIALIZED (
  SELECT t.id, coalesce((t.wf ->> 'ignore_dependency_failure')::boolean, false) AS ignore,
    -- t.deps, computed once in the materialized waiting: read from the row, a big deps array was detoasted on each probe (a 10,000-dep fan-in's last check took 3 s).
    (SELECT 1 FROM generate_series(jsonb_array_length(t.deps) - 1, 0, -1) AS i
      CROSS JOIN LATERAL (SELECT d.state FROM ${job} AS d
        WHERE ${workflowIdOf('d')} = t.wf ->> 'id' AND ${workflowTaskOf('d')} = t.deps ->> i AND ${inWorkflow('d')} LIMIT 1) AS d
      WHERE d.state NOT IN ('completed', 'cancelled', 'discarded') LIMIT 1) IS NOT NULL AS blocked,
    (SELECT f.task || ' ended ' || f.state::text FROM failed AS f
      WHERE f.workflow = t.wf ->> 'id' AND t.deps ? f.task ORDER BY f.id LIMIT 1) AS failure
  FROM waiting AS t
),
chosen AS (
  SELECT id, failure, (CASE WHEN failure IS NOT NULL AND NOT ignore THEN 'cancel' ELSE 'release' END) AS action
  FROM decided WHERE (failure IS NOT NULL AND NOT ignore) OR NOT blocked
),
changed AS (
  UPDATE ${job} AS j SET
    state = (CASE WHEN c.action = 'cancel' THEN 'cancelled' WHEN j.scheduled_at > now() THEN 'scheduled' ELSE 'available' END)::text::${state},
    finalized_at = CASE WHEN c.action = 'cancel' THEN now() END,
    errors = CASE WHEN c.action = 'cancel'
      THEN array_append(coalesce(j.errors, '{}'), jsonb_build_object('at', now(), 'attempt', j.attempt,
        'error', 'cancelled: its dependency ' || c.failure || ' (set ignoreDependencyFailure to run it anyway)', 'trace', ''))
      ELSE j.errors END
  FROM chosen AS c WHERE j.id = c.id AND j.state = 'pending'
  RETURNING j.id, j.state, j.queue, ${workflowTaskOf('j')} AS task
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert', '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM changed WHERE state = 'available') AS q
)
SELECT (SELECT count(*) FROM changed WHERE state <> 'cancelled')::int AS released,
  (SELECT count(*) FROM changed WHERE state = 'cancelled')::int AS cancelled,
  (SELECT coalesce(array_agg(DISTINCT task), '{}') FROM changed WHERE state = 'cancelled') AS cancelled_tasks, (SELECT n FROM notified)::int AS notified`;
}
