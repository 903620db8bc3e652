import {
  WORKFLOW_ID_EXPRESSION, WORKFLOW_INDEX_PREDICATE, WORKFLOW_PENDING_PREDICATE, WORKFLOW_TASK_EXPRESSION, WORKFLOW_FAILED_PREDICATE,
  WORKFLOW_UNFINISHED_PREDICATE,
} from '../schema/create-schema.js';
import { arrayLiteral } from './array-literal.js';
import { ATTEMPTED_BY_MAX } from './job-get-available.js';
import { query, raw, rawText, tableName, type Query, type Raw } from './query.js';

/** The workflow indexes' expressions and predicates for a table alias, so the planner matches them. */
const at = (expression: string, alias: string): Raw => raw(expression.replaceAll('metadata', `${alias}.metadata`).replace(/\bstate\b/, `${alias}.state`));
export const workflowIdOf = (alias: string): Raw => at(WORKFLOW_ID_EXPRESSION, alias);
export const workflowTaskOf = (alias: string): Raw => at(WORKFLOW_TASK_EXPRESSION, alias);
export const inWorkflow = (alias: string): Raw => at(WORKFLOW_INDEX_PREDICATE, alias);
export const pendingInWorkflow = (alias: string): Raw => at(WORKFLOW_PENDING_PREDICATE, alias);
export const failedInWorkflow = (alias: string): Raw => at(WORKFLOW_FAILED_PREDICATE, alias);
export const unfinishedInWorkflow = (alias: string): Raw => at(WORKFLOW_UNFINISHED_PREDICATE, alias);

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
/** Of a task with many deps, how many of the last ones are probed before the workflow's unfinished tasks are counted. */
const LAST_PROBED = 16;
/** Unfinished tasks of a workflow few enough to look each up in a long deps array (a linear search each). */
const FEW_UNFINISHED = 32;

/**
 * Room the completing client has for released tasks, which the release then takes for it
 * (running, its attempt counted) instead of announcing them: the next task starts without a
 * notification and a fetch. Per queue it works (unlimited ones only), how many it can start now;
 * only tasks of `kinds` (those it has workers for) and due now are taken, first in fetch order.
 */
export interface ReleaseTake {
  clientId: string;
  queues: readonly string[];
  rooms: readonly number[];
  kinds: readonly string[];
}

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
 * tasks it released (taken ones included) and cancelled, the names cancelled (a cancel may
 * decide the cancelled task's own dependents, so callers repeat it for those while it cancels
 * any), and `taken`: a JSON array of the rows `take` took, now running for its client and not
 * announced.
 *
 * What holds a task back is found by probing its dependencies by name, last first, stopping at
 * the first unfinished one: dependencies finish roughly in the order they were added, so a
 * fan-in of 10,000 looks at one or two of them per completion rather than all. Failures are
 * looked up among the workflows' cancelled and discarded tasks, read once (normally none).
 */
export function workflowRelease(p: { schema: string | undefined; ids: readonly string[]; names: readonly string[] | null; take?: ReleaseTake | undefined }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  const ids = arrayLiteral(p.ids);
  // The names as the keys of a JSON object: a task's few deps are each looked up in it (a binary
  // search), where `deps ?| names` scanned every name for each pending task.
  const finished = p.names === null ? null : JSON.stringify(Object.fromEntries(p.names.map((name) => [name, true])));
  const take = p.take ?? { clientId: '', queues: [], rooms: [], kinds: [] };
  // Whether one of the deps of t, from index `from` on, is unfinished, probed by name, last first,
  // stopping at the first unfinished one.
  const unfinishedDep = (from: string): Raw => raw(`((SELECT 1 FROM generate_series(jsonb_array_length(t.deps) - 1, ${from}, -1) AS i
      CROSS JOIN LATERAL (SELECT d.state FROM ${rawText(job)} AS d
        WHERE ${rawText(workflowIdOf('d'))} = t.wf ->> 'id' AND ${rawText(workflowTaskOf('d'))} = t.deps ->> i AND ${rawText(inWorkflow('d'))} LIMIT 1) AS d
      WHERE d.state NOT IN ('completed', 'cancelled', 'discarded') LIMIT 1) IS NOT NULL)`);
  return query`WITH finished_tasks AS MATERIALIZED (
  SELECT ${workflowIdOf('f')} AS workflow, f.metadata -> 'tributary:workflow' -> 'dependents' AS dependents FROM ${job} AS f
  WHERE ${finished}::text::jsonb IS NOT NULL
    AND ${workflowIdOf('f')} = ANY(${ids}::text::text[]) AND ${workflowTaskOf('f')} = ANY(${arrayLiteral(p.names ?? [])}::text::text[]) AND ${inWorkflow('f')}
),
-- Whether the release reads every pending task of the workflows: asked for (null names), or a
-- finished task does not list its dependents (written by an older client).
scan AS MATERIALIZED (
  SELECT ${finished}::text::jsonb IS NULL OR EXISTS (SELECT FROM finished_tasks AS t WHERE jsonb_typeof(t.dependents) IS DISTINCT FROM 'array') AS all_pending
),
-- The pending tasks a release decides, with what deciding and taking them reads, so no row is
-- looked up twice.
waiting AS MATERIALIZED (
  -- The finished tasks' dependents, by name: what a release costs grows with them alone.
  -- Each name once: tasks finishing together often share dependents (a layer of a layered graph).
  SELECT d.id, d.wf, d.wf -> 'deps' AS deps, d.queue, d.priority, d.scheduled_at, d.kind FROM (
    SELECT DISTINCT t.workflow, n.name FROM finished_tasks AS t
    CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(t.dependents) = 'array' THEN t.dependents ELSE '[]' END) AS n(name)
    WHERE NOT (SELECT all_pending FROM scan)
  ) AS t
  CROSS JOIN LATERAL (SELECT d.id, d.state, d.metadata -> 'tributary:workflow' AS wf, d.queue, d.priority, d.scheduled_at, d.kind FROM ${job} AS d
    WHERE ${workflowIdOf('d')} = t.workflow AND ${workflowTaskOf('d')} = t.name AND ${inWorkflow('d')} LIMIT 1) AS d
  WHERE d.state = 'pending'
  UNION ALL
  SELECT s.id, s.metadata -> 'tributary:workflow', s.metadata -> 'tributary:workflow' -> 'deps', s.queue, s.priority, s.scheduled_at, s.kind FROM ${job} AS s
  WHERE (SELECT all_pending FROM scan)
    AND ${workflowIdOf('s')} = ANY(${ids}::text::text[]) AND ${pendingInWorkflow('s')}
    AND (${finished}::text::jsonb IS NULL OR jsonb_array_length(s.metadata -> 'tributary:workflow' -> 'deps') > ${MANY_DEPS}
      OR ${finished}::text::jsonb ?| ARRAY(SELECT jsonb_array_elements_text(s.metadata -> 'tributary:workflow' -> 'deps')))
),
failed AS MATERIALIZED (
  SELECT ${workflowIdOf('f')} AS workflow, ${workflowTaskOf('f')} AS task, f.state, f.id FROM ${job} AS f
  WHERE ${workflowIdOf('f')} = ANY(${ids}::text::text[]) AND ${failedInWorkflow('f')}
),
decided AS MATERIALIZED (
  SELECT t.id, t.queue, t.priority, t.scheduled_at, t.kind, coalesce((t.wf ->> 'ignore_dependency_failure')::boolean, false) AS ignore,
    -- t.deps, computed once in the materialized waiting: read from the row, a big deps array was detoasted on each probe (a 10,000-dep fan-in's last check took 3 s).
    CASE WHEN jsonb_array_length(t.deps) <= ${MANY_DEPS} THEN ${unfinishedDep('0')}
      -- Many deps: the last few probed first (they finish last), then, once few tasks of the
      -- workflow are unfinished, those few looked up among the deps; probing all is the last resort.
      WHEN ${unfinishedDep(`greatest(jsonb_array_length(t.deps) - ${LAST_PROBED}, 0)`)} THEN true
      WHEN (SELECT count(*) FROM (SELECT FROM ${job} AS u WHERE ${workflowIdOf('u')} = t.wf ->> 'id' AND ${unfinishedInWorkflow('u')} LIMIT ${FEW_UNFINISHED + 1}) AS x) <= ${FEW_UNFINISHED}
        THEN EXISTS (SELECT FROM ${job} AS u WHERE ${workflowIdOf('u')} = t.wf ->> 'id' AND ${unfinishedInWorkflow('u')} AND u.id <> t.id AND t.deps ? ${workflowTaskOf('u')})
      ELSE ${unfinishedDep('0')} END AS blocked,
    (SELECT f.task || ' ended ' || f.state::text FROM failed AS f
      WHERE f.workflow = t.wf ->> 'id' AND t.deps ? f.task ORDER BY f.id LIMIT 1) AS failure
  FROM waiting AS t
),
chosen AS (
  SELECT id, queue, priority, scheduled_at, kind, failure, (CASE WHEN failure IS NOT NULL AND NOT ignore THEN 'cancel' ELSE 'release' END) AS action
  FROM decided WHERE (failure IS NOT NULL AND NOT ignore) OR NOT blocked
),
-- The released tasks this client takes: per queue, the first of them in fetch order, as many as
-- its room.
taking AS MATERIALIZED (
  SELECT id FROM (
    SELECT c.id, r.room, row_number() OVER (PARTITION BY c.queue ORDER BY c.priority, c.scheduled_at, c.id) AS n
    FROM chosen AS c JOIN unnest(${arrayLiteral(take.queues)}::text::text[], ${arrayLiteral(take.rooms)}::text::int[]) AS r(queue, room) ON r.queue = c.queue
    WHERE c.action = 'release' AND c.scheduled_at <= now() AND c.kind = ANY(${arrayLiteral(take.kinds)}::text::text[])
  ) AS ranked WHERE n <= room
),
changed AS (
  UPDATE ${job} AS j SET
    state = (CASE WHEN c.action = 'cancel' THEN 'cancelled' WHEN c.taken IS NOT NULL THEN 'running' WHEN j.scheduled_at > now() THEN 'scheduled' ELSE 'available' END)::text::${state},
    finalized_at = CASE WHEN c.action = 'cancel' THEN now() END,
    errors = CASE WHEN c.action = 'cancel'
      THEN array_append(coalesce(j.errors, '{}'), jsonb_build_object('at', now(), 'attempt', j.attempt,
        'error', 'cancelled: its dependency ' || c.failure || ' (set ignoreDependencyFailure to run it anyway)', 'trace', ''))
      ELSE j.errors END,
    -- Taken as a fetch takes a job (see takenSet), for the tasks chosen in taking only.
    attempt = CASE WHEN c.taken IS NOT NULL THEN j.attempt + 1 ELSE j.attempt END,
    attempted_at = CASE WHEN c.taken IS NOT NULL THEN clock_timestamp() ELSE j.attempted_at END,
    attempted_by = CASE WHEN c.taken IS NOT NULL
      THEN (array_append(coalesce(j.attempted_by, '{}'), ${take.clientId}::text))[greatest(cardinality(coalesce(j.attempted_by, '{}')) + 2 - ${ATTEMPTED_BY_MAX}::int, 1):]
      ELSE j.attempted_by END
  FROM (SELECT c.*, CASE WHEN c.id = ANY (ARRAY(SELECT id FROM taking)) THEN c.id END AS taken FROM chosen AS c) AS c
  -- The state as text, so no index can serve it: a generic plan scanned the fetching index's
  -- pending entries (all of a big workflow's) for it, where the primary key finds each row.
  -- (An id = ANY(array of chosen) here made a custom plan test 10,000 ids for each of 10,000 rows.)
  WHERE j.id = c.id AND j.state::text = 'pending'
  RETURNING j.id, j.state, j.queue, ${workflowTaskOf('j')} AS task, CASE WHEN c.taken IS NOT NULL THEN row_to_json(j)::text END AS job
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert', '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM changed WHERE state = 'available') AS q
)
SELECT (SELECT count(*) FROM changed WHERE state <> 'cancelled')::int AS released,
  (SELECT count(*) FROM changed WHERE state = 'cancelled')::int AS cancelled,
  (SELECT coalesce(array_agg(DISTINCT task), '{}') FROM changed WHERE state = 'cancelled') AS cancelled_tasks, (SELECT n FROM notified)::int AS notified,
  (SELECT coalesce(json_agg(job::json), '[]')::text FROM changed WHERE job IS NOT NULL) AS taken`;
}
