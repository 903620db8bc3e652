import { arrayLiteral } from './array-literal.js';
import { query, tableName, type Query } from './query.js';
import { inWorkflow, workflowIdOf, workflowTaskOf } from './workflow-release.js';

/** A task added to a workflow that waits for a task stored before it. */
export interface AddedDependent {
  workflow: string;
  /** The stored task waited for. */
  task: string;
  /** The added task's name. */
  dependent: string;
}

/**
 * Appends added tasks to the `dependents` of the stored tasks they wait for, so those tasks'
 * releases look them up. Run it in the transaction that inserts them, under the workflows' locks,
 * before any of those tasks can finish: a release reads `dependents` from the row, never from a
 * copy fetched earlier. A stored task without a `dependents` list is left as it is (its release
 * reads every pending task).
 */
export function workflowDependentsAppend(p: { schema: string | undefined; added: readonly AddedDependent[] }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`UPDATE ${job} AS j
SET metadata = jsonb_set(j.metadata, '{tributary:workflow,dependents}', (j.metadata -> 'tributary:workflow' -> 'dependents') || a.added)
FROM (
  SELECT w, t, jsonb_agg(DISTINCT d) AS added
  FROM unnest(${arrayLiteral(p.added.map((a) => a.workflow))}::text::text[], ${arrayLiteral(p.added.map((a) => a.task))}::text::text[],
    ${arrayLiteral(p.added.map((a) => a.dependent))}::text::text[]) AS x(w, t, d)
  GROUP BY w, t
) AS a
WHERE ${workflowIdOf('j')} = a.w AND ${workflowTaskOf('j')} = a.t AND ${inWorkflow('j')}
  AND jsonb_typeof(j.metadata -> 'tributary:workflow' -> 'dependents') = 'array'`;
}
