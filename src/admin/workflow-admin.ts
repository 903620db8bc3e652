import { TributaryError } from '../errors.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { JobState } from '../schema/job-state.js';
import { workflowCancelTasks, workflowRetryTasks } from '../sql/workflow-admin.js';
import { workflowTasks } from '../sql/workflow-task-get.js';
import { workflowOf } from '../workflow/metadata.js';
import { inWorkflowTransaction } from '../workflow/release.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { NotFoundError } from './admin-errors.js';

/** One task of a workflow, as `workflowGet` returns it. */
export interface WorkflowTask {
  /** Its name in the workflow. */
  name: string;
  /** Names of the tasks it waits for. */
  deps: string[];
  /** Whether it runs even when a dependency failed. */
  ignoreDependencyFailure: boolean;
  /** Its job as stored (`job.state`, `job.output`, `job.errors`...). */
  job: JobRow;
}

/**
 * A workflow and its tasks. `state`: `'running'` while a task is not finalized; `'completed'`
 * once all completed; `'failed'` once all are finalized and one was cancelled or discarded.
 */
export interface WorkflowView {
  id: string;
  name: string;
  state: 'running' | 'completed' | 'failed';
  /** How many tasks are in each state (states with none left out). */
  counts: Partial<Record<JobState, number>>;
  /** Every task, in insert (id) order. */
  tasks: WorkflowTask[];
}

/** What `workflowRetry` and `workflowCancel` did, and the workflow as it is now. */
export interface WorkflowActionResult {
  /** `workflowRetry`: tasks made available again. `workflowCancel`: tasks cancelled at once. */
  changed: number;
  /** `workflowRetry`: cancelled dependents waiting again. `workflowCancel`: running tasks asked to stop. */
  waiting: number;
  workflow: WorkflowView;
}

const FINAL: readonly JobState[] = ['cancelled', 'completed', 'discarded'];

function assertWorkflowId(method: string, id: unknown): asserts id is string {
  if (typeof id !== 'string' || id.length === 0) throw new TributaryError(`${method}: the workflow id must be a non-empty string, got ${JSON.stringify(id) ?? String(id)}`);
}

/** The workflow with this id, or undefined when it has no task. */
export async function getWorkflow(ctx: AdminContext, id: string): Promise<WorkflowView | undefined> {
  assertWorkflowId('workflowGet', id);
  const rows = await adminQuery(ctx, workflowTasks({ schema: ctx.schema, workflowId: id }));
  if (rows.length === 0) return undefined;
  const tasks: WorkflowTask[] = rows.map((row) => {
    const job = jobRowFromJson<Record<string, unknown>>(JSON.parse(String(row.job)));
    const meta = workflowOf(job.metadata)!;
    return { name: meta.task, deps: Array.isArray(meta.deps) ? meta.deps : [], ignoreDependencyFailure: meta.ignore_dependency_failure === true, job };
  });
  const counts: Partial<Record<JobState, number>> = {};
  for (const { job } of tasks) counts[job.state] = (counts[job.state] ?? 0) + 1;
  const finalized = tasks.every(({ job }) => FINAL.includes(job.state));
  const state = !finalized ? 'running' : tasks.every(({ job }) => job.state === 'completed') ? 'completed' : 'failed';
  return { id, name: workflowOf(tasks[0]!.job.metadata)!.name, state, counts, tasks };
}

async function act(ctx: AdminContext, method: string, id: string, statement: typeof workflowRetryTasks): Promise<WorkflowActionResult> {
  assertWorkflowId(method, id);
  if (!(await getWorkflow(ctx, id))) throw new NotFoundError('workflow', id);
  const row = await inWorkflowTransaction(ctx.pool, ctx.schema, [id], async (run) => (await run(statement({ schema: ctx.schema, workflowId: id })))[0]);
  const workflow = (await getWorkflow(ctx, id))!;
  return method === 'workflowRetry'
    ? { changed: Number(row?.retried ?? 0), waiting: Number(row?.waiting ?? 0), workflow }
    : { changed: Number(row?.cancelled ?? 0), waiting: Number(row?.running ?? 0), workflow };
}

/** Retries a workflow's failed tasks; see the client's `workflowRetry`. */
export const retryWorkflow = (ctx: AdminContext, id: string) => act(ctx, 'workflowRetry', id, workflowRetryTasks);

/** Cancels a workflow's unfinished tasks; see the client's `workflowCancel`. */
export const cancelWorkflow = (ctx: AdminContext, id: string) => act(ctx, 'workflowCancel', id, workflowCancelTasks);

/**
 * After an admin action changed a job (cancel, retry, delete): a workflow task's dependents are
 * decided at once, in a transaction of their own (a crash in between is the repairer's).
 */
export async function afterWorkflowTaskChanged(ctx: AdminContext, job: JobRow): Promise<void> {
  const meta = workflowOf(job.metadata);
  if (!meta) return;
  await inWorkflowTransaction(ctx.pool, ctx.schema, [meta.id], async () => undefined);
}
