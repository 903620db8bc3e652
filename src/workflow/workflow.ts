import { randomUUID } from 'node:crypto';
import { unknownKeyIssues } from '../did-you-mean.js';
import type { DrizzleHandle } from '../drizzle-handle.js';
import { throwIfIssues, TributaryError, type ValidationIssue } from '../errors.js';
import type { InsertItem, InsertResult } from '../insert/insert-jobs.js';
import type { AnyJobDefinition, JobArgs, JobArgsInput, JobRowOf } from '../job.js';
import type { JobRow } from '../job-row.js';
import { isPlainObject } from '../json-value.js';
import { taskInsertItems, workflowIssues, type AddTaskOpts, type TaskSpec } from './graph.js';
import { TaskRef } from './task-ref.js';

/** Options of `client.workflow()`. */
export interface WorkflowOpts {
  /** A name for people, stored with every task (`metadata["tributary:workflow"].name`); not unique. Default `'workflow'`. */
  name?: string;
}

/** What `wf.insert` returns: the workflow's id and its tasks as stored. */
export interface WorkflowInsertResult {
  /** The workflow's id, for `client.workflowGet(id)`. */
  id: string;
  name: string;
  /** Every task as stored, in the order they were added. */
  jobs: JobRow[];
  /** One task as stored, typed by its job definition. */
  job<J extends AnyJobDefinition>(task: TaskRef<J>): JobRowOf<J>;
}

/** The client's insert path, so tasks pass its insert middleware and defaults. */
export type InsertItems = (tx: DrizzleHandle, items: readonly InsertItem[], context: (index: number) => string) => Promise<InsertResult[]>;

export const MAX_WORKFLOW_NAME_LENGTH = 200;

/**
 * A graph of tasks, built with {@link Workflow.add} and inserted at once with
 * {@link Workflow.insert}. Made by `client.workflow()`.
 */
export class Workflow {
  /** The workflow's id, a random UUID made here: tasks name their deps within it. */
  readonly id: string = randomUUID();
  readonly name: string;
  private readonly specs: TaskSpec[] = [];
  private inserted = false;

  /** @internal Made by `client.workflow()`. */
  constructor(private readonly insertItems: InsertItems, opts: WorkflowOpts = {}) {
    throwIfIssues('client.workflow()', workflowOptsIssues(opts));
    this.name = opts?.name ?? 'workflow';
  }

  /**
   * Adds a task: a job of `job` with `args`, named `name` (unique in the workflow), waiting for
   * the tasks in `opts.deps`. Nothing is checked or written until {@link insert}.
   * @returns its ref, for other tasks' `deps` and for `ctx.workflow.output(ref)`.
   */
  add<J extends AnyJobDefinition>(name: string, job: J, args: JobArgsInput<J>, opts?: AddTaskOpts<JobArgs<J>>): TaskRef<J> {
    if (this.inserted) throw new TributaryError(`workflow ${JSON.stringify(this.name)} was inserted already: tasks added now would never be written`);
    this.specs.push({ name, job, args, opts: opts as AddTaskOpts | undefined });
    return new TaskRef(this.id, name, job);
  }

  /**
   * Validates every task (names, deps, cycles, args, options), then inserts them all in one
   * statement through `tx`, so they exist if and only if its transaction commits. Tasks with
   * deps are inserted `pending`; the others run at once (or at their `scheduledAt`).
   * A workflow is inserted once: a second call throws, even after a rollback (build a new one).
   * @throws ValidationError naming the task and field; nothing is written.
   */
  async insert(tx: DrizzleHandle): Promise<WorkflowInsertResult> {
    const context = `workflow ${JSON.stringify(this.name)}`;
    // Again, its tasks would be inserted twice under one id: make a new workflow to retry a rolled-back insert.
    if (this.inserted) throw new TributaryError(`${context} was inserted already (as ${this.id}): make a new workflow for another insert`);
    const issues: ValidationIssue[] = this.specs.length === 0 ? [{ path: 'tasks', message: 'is empty: add tasks with wf.add() first' }] : workflowIssues(this.id, this.specs);
    throwIfIssues(context, issues);
    const items = taskInsertItems(this, this.specs);
    const results = await this.insertItems(tx, items, (i) => (i < 0 ? context : `${context} tasks[${i}] (${JSON.stringify(this.specs[i]?.name)})`));
    this.inserted = true;
    const byName = new Map(this.specs.map((spec, i) => [spec.name, results[i]!.job]));
    return {
      id: this.id,
      name: this.name,
      jobs: results.map((r) => r.job),
      job: <J extends AnyJobDefinition>(task: TaskRef<J>) => {
        const found = task.workflowId === this.id ? byName.get(task.name) : undefined;
        if (!found) throw new TributaryError(`task ${JSON.stringify(task.name)} is not in workflow ${this.id}`);
        return found as JobRowOf<J>;
      },
    };
  }
}

/** Problems with `client.workflow()` options, or none. */
export function workflowOptsIssues(opts: unknown): ValidationIssue[] {
  if (opts === undefined) return [];
  if (!isPlainObject(opts)) return [{ path: 'opts', message: 'must be an object of { name? }' }];
  const issues = unknownKeyIssues(opts, ['name'], 'opts', 'a workflow option');
  const name = opts.name;
  if (name !== undefined && (typeof name !== 'string' || name.length === 0 || name.length > MAX_WORKFLOW_NAME_LENGTH)) {
    issues.push({ path: 'opts.name', message: `must be a string of 1 to ${MAX_WORKFLOW_NAME_LENGTH} characters, got ${JSON.stringify(name) ?? String(name)}` });
  }
  return issues;
}
