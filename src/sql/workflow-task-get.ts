import { arrayLiteral } from './array-literal.js';
import { query, tableName, type Query } from './query.js';
import { inWorkflow, workflowIdOf, workflowTaskOf } from './workflow-release.js';

/**
 * One task of a workflow, by name: its state, whether it holds an output, and the output as JSON
 * text (for a worker reading its dependency's output).
 */
export function workflowTaskOutput(p: { schema: string | undefined; workflowId: string; task: string }): Query {
  return query`SELECT j.id, j.state::text AS state, j.metadata ? 'output' AS has_output, (j.metadata -> 'output')::text AS output
FROM ${tableName(p.schema, 'river_job')} AS j
WHERE ${workflowIdOf('j')} = ${p.workflowId} AND ${workflowTaskOf('j')} = ${p.task} AND ${inWorkflow('j')}
LIMIT 1`;
}

/** Every task of a workflow, in id order, as `row_to_json` text. */
export function workflowTasks(p: { schema: string | undefined; workflowId: string }): Query {
  return query`SELECT row_to_json(j)::text AS job FROM ${tableName(p.schema, 'river_job')} AS j
WHERE ${workflowIdOf('j')} = ${p.workflowId} AND ${inWorkflow('j')}
ORDER BY j.id`;
}

/** Which of these task names exist in a workflow. */
export function workflowTaskNames(p: { schema: string | undefined; workflowId: string; names: readonly string[] }): Query {
  return query`SELECT ${workflowTaskOf('j')} AS task FROM ${tableName(p.schema, 'river_job')} AS j
WHERE ${workflowIdOf('j')} = ${p.workflowId} AND ${workflowTaskOf('j')} = ANY(${arrayLiteral(p.names)}::text::text[]) AND ${inWorkflow('j')}`;
}
