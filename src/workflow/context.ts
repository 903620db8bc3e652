import { TributaryError, ValidationError } from '../errors.js';
import type { AnyJobDefinition, JobOutput } from '../job.js';
import type { JobRow } from '../job-row.js';
import { workflowTaskOutput } from '../sql/workflow-task-get.js';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { workflowOf } from './metadata.js';
import type { RunQuery } from './release.js';
import { TaskRef } from './task-ref.js';
import { WorkflowAdditions, type AddTaskOpts } from './additions.js';
import type { JobArgs, JobArgsInput } from '../job.js';

/**
 * `ctx.workflow`: the workflow of the job being worked. For a job in no workflow, `id`, `name`
 * and `task` are undefined and `output` and `add` throw.
 */
export interface WorkflowContext {
  /** The workflow's id, or undefined for a job in no workflow. */
  readonly id: string | undefined;
  /** The workflow's name, or undefined. */
  readonly name: string | undefined;
  /** This task's name in its workflow, or undefined. */
  readonly task: string | undefined;
  /**
   * The output of a task of this workflow (normally one this task depends on), typed by its job
   * definition: by its ref; by name and job definition (validated by its `output` schema), where
   * the ref is not at hand, as in another process; or by name alone, as `unknown`.
   * @throws TributaryError when the task does not exist, or has no output yet (not completed,
   *   or a dependency that failed, reached through `ignoreDependencyFailure`); ValidationError
   *   when a stored output fails the definition's schema.
   */
  output<J extends AnyJobDefinition>(task: TaskRef<J>): Promise<JobOutput<J>>;
  output<J extends AnyJobDefinition>(task: string, job: J): Promise<JobOutput<J>>;
  output(task: string): Promise<unknown>;
  /**
   * Adds a task to this workflow from inside the work function (dynamic fan-out): it is inserted
   * in the transaction that records this job's completion, and only if the job completes. `deps`
   * may name tasks added here, this task itself, or tasks already in the workflow.
   * @throws ValidationError for a duplicate or unknown name, a cycle, or bad options (also when
   *   the work function returns, for checks that need the database); TributaryError for a job
   *   in no workflow.
   */
  add<J extends AnyJobDefinition>(name: string, job: J, args: JobArgsInput<J>, opts?: AddTaskOpts<JobArgs<J>>): TaskRef<J>;
}

/** The context's reader and collected additions, which the executor reads after the worker returns. */
export interface WorkflowScope {
  readonly context: WorkflowContext;
  /** Tasks added through `add`, or undefined when none was. */
  readonly additions: WorkflowAdditions | undefined;
}

const notInWorkflow = (job: JobRow<unknown>) => new TributaryError(`job ${job.id} (${job.kind}) is in no workflow: ctx.workflow is only for workflow tasks`);

/** Builds `ctx.workflow` for a job; `run` reads from the database (the client's pool, or a test's transaction). */
export function workflowScope(job: JobRow<unknown>, run: RunQuery, schema: string | undefined): WorkflowScope {
  const meta = workflowOf(job.metadata);
  let additions: WorkflowAdditions | undefined;
  const context: WorkflowContext = {
    id: meta?.id,
    name: meta?.name,
    task: meta?.task,
    async output(task: TaskRef | string, definition?: AnyJobDefinition): Promise<any> {
      if (!meta) throw notInWorkflow(job);
      if (task instanceof TaskRef && task.workflowId !== meta.id) {
        throw new TributaryError(`task ${JSON.stringify(task.name)} is in workflow ${task.workflowId}, not in this job's workflow ${meta.id}`);
      }
      const name = task instanceof TaskRef ? task.name : task;
      if (typeof name !== 'string') throw new TributaryError('ctx.workflow.output takes a task ref (from wf.add) or a task name');
      const [row] = await run(workflowTaskOutput({ schema, workflowId: meta.id, task: name }));
      if (!row) throw new TributaryError(`workflow ${meta.id} has no task ${JSON.stringify(name)}`);
      if (!row.has_output) throw new TributaryError(`task ${JSON.stringify(name)} of workflow ${meta.id} has no output: it is ${String(row.state)}`);
      const value: unknown = JSON.parse(String(row.output));
      const schemaOf = (definition?.output as StandardSchemaV1 | undefined);
      if (task instanceof TaskRef || !schemaOf) return value;
      const result = await schemaOf['~standard'].validate(value);
      if (result.issues) {
        throw new ValidationError(`the output of task ${JSON.stringify(name)} (${definition!.kind})`, result.issues.map((i) => ({ path: 'output', message: i.message })));
      }
      return result.value;
    },
    add(name, definition, args, opts) {
      if (!meta) throw notInWorkflow(job);
      additions ??= new WorkflowAdditions(meta);
      return additions.add(name, definition, args, opts);
    },
  };
  return {
    context,
    get additions() {
      return additions;
    },
  };
}

