import { jobInsertManyQuery, type JobInsertRow } from '../sql/job-insert-many.js';
import type { JobOutcomeRow } from '../sql/job-set-state-many.js';
import type { Query } from '../sql/query.js';
import type { RunQuery } from '../workflow/release.js';
import { workflowOf } from '../workflow/metadata.js';
import { workflowDependentsAppend, type AddedDependent } from '../sql/workflow-dependents.js';

/** The workflows of a batch's rows: those whose outcomes must release dependents in their transaction. */
export function workflowIdsOf(rows: readonly JobOutcomeRow[]): string[] {
  const ids = new Set<string>();
  for (const row of rows) if (row.workflow !== undefined) ids.add(row.workflow);
  return [...ids];
}

/**
 * The task names whose dependents a batch's release must look at; null (all pending tasks) when
 * a worker added tasks, which may wait on any task already finished.
 */
export function finishedTasksOf(rows: readonly JobOutcomeRow[]): string[] | null {
  const names: string[] = [];
  for (const row of rows) {
    if (row.tasks) return null;
    if (row.task !== undefined) names.push(row.task);
  }
  return names;
}

/**
 * Writes a batch's outcomes (the fast statement's completions, the others') inside a workflow transaction (after its locks, before its release),
 * then inserts the tasks the completed jobs' workers added (`ctx.workflow.add`), for the jobs
 * whose completion was written only: a job rescued or cancelled meanwhile adds nothing.
 * @returns the rows the outcome statement changed (`id`, `state`).
 */
export async function writeWorkflowOutcomes(
  run: RunQuery, schema: string | undefined, statements: { fast: Query | undefined; other: Query | undefined }, rows: readonly JobOutcomeRow[],
): Promise<Record<string, unknown>[]> {
  // The fast statement returns ids only: what it changed was completed.
  const changed = [
    ...(statements.fast ? (await run(statements.fast)).map((r) => ({ id: r.id, state: 'completed' })) : []),
    ...(statements.other ? await run(statements.other) : []),
  ];
  if (!rows.some((row) => row.tasks)) return changed;
  const completed = new Set(changed.filter((r) => r.state === 'completed').map((r) => Number(r.id)));
  const tasks: JobInsertRow[] = [];
  for (const row of rows) {
    if (!row.tasks || !completed.has(row.id)) continue;
    for (const task of row.tasks) tasks.push({ ...task, ord: tasks.length });
  }
  if (tasks.length > 0) {
    await run(jobInsertManyQuery({ schema, rows: tasks }));
    const added = storedDepsOf(tasks);
    if (added.length > 0) await run(workflowDependentsAppend({ schema, added }));
  }
  return changed;
}

/** The added tasks' deps on tasks stored before them (not added in the same batch). */
function storedDepsOf(tasks: readonly JobInsertRow[]): AddedDependent[] {
  const metas = tasks.map((task) => workflowOf(JSON.parse(task.metadata) as Record<string, unknown>)).filter((meta) => meta !== undefined);
  const added = new Set(metas.map((meta) => `${meta.id}\u0000${meta.task}`));
  return metas.flatMap((meta) => (meta.deps ?? [])
    .filter((dep) => !added.has(`${meta.id}\u0000${dep}`))
    .map((dep) => ({ workflow: meta.id, task: dep, dependent: meta.task })));
}
