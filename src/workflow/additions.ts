import { throwIfIssues } from '../errors.js';
import { prepareInsertRows, type InsertContext } from '../insert/insert-jobs.js';
import type { AnyJobDefinition, JobArgs, JobArgsInput } from '../job.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { workflowTaskNames } from '../sql/workflow-task-get.js';
import { taskInsertItems, workflowIssues, type AddTaskOpts, type TaskSpec } from './graph.js';
import type { WorkflowMetadata } from './metadata.js';
import type { RunQuery } from './release.js';
import { TaskRef } from './task-ref.js';

export type { AddTaskOpts } from './graph.js';

/**
 * Tasks a worker adds to its own workflow (`ctx.workflow.add`): collected while it runs, checked
 * and turned into insert rows once it returns, inserted by the completer in the transaction that
 * completes the job.
 */
export class WorkflowAdditions {
  private readonly specs: TaskSpec[] = [];

  constructor(private readonly workflow: WorkflowMetadata) {}

  add<J extends AnyJobDefinition>(name: string, job: J, args: JobArgsInput<J>, opts?: AddTaskOpts<JobArgs<J>>): TaskRef<J> {
    this.specs.push({ name, job, args, opts: opts as AddTaskOpts | undefined });
    return new TaskRef(this.workflow.id, name, job);
  }

  /**
   * Checks the added tasks against each other and the tasks stored (a dep named here must be
   * added here, be the running task, or be stored already) and validates their args. A stored
   * task they wait for learns of them when they are inserted (`workflowDependentsAppend`).
   * @returns the rows to insert.
   * @throws ValidationError naming the task and field.
   */
  async rows(run: RunQuery, ctx: InsertContext): Promise<JobInsertRow[]> {
    const added = new Set(this.specs.map((spec) => spec.name));
    const named = new Set<string>([this.workflow.task]);
    for (const spec of this.specs) for (const dep of spec.opts?.deps ?? []) if (typeof dep === 'string' && !added.has(dep)) named.add(dep);
    // The names added are looked up too: one already stored is a duplicate.
    const lookup = [...new Set([...named, ...added])];
    const stored = new Set((await run(workflowTaskNames({ schema: ctx.schema, workflowId: this.workflow.id, names: lookup }))).map((r) => String(r.task)));
    stored.add(this.workflow.task);
    const context = `ctx.workflow.add in task ${JSON.stringify(this.workflow.task)} of workflow ${JSON.stringify(this.workflow.name)}`;
    throwIfIssues(context, workflowIssues(this.workflow.id, this.specs, stored));
    const items = taskInsertItems(this.workflow, this.specs);
    return prepareInsertRows(items, ctx, (i) => (i < 0 ? context : `${context}: tasks[${i}] (${JSON.stringify(this.specs[i]?.name)})`));
  }
}
