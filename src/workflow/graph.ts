import { didYouMean, unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import type { InsertItem } from '../insert/insert-jobs.js';
import type { InsertOpts } from '../insert/opts.js';
import type { AnyJobDefinition } from '../job.js';
import { isPlainObject } from '../json-value.js';
import { dependentsByTask, WORKFLOW_METADATA_KEY, type WorkflowMetadata } from './metadata.js';
import { TaskRef } from './task-ref.js';

/** The options of one task: insert options, and the tasks it waits for. */
export interface AddTaskOpts<Args = Record<string, unknown>> extends Omit<InsertOpts<Args>, 'pending' | 'sequence' | 'uniqueOpts'> {
  /**
   * Tasks of the same workflow this one waits for: refs from `wf.add`, or task names (a name
   * may be added later in the same workflow). The task is inserted `pending` and becomes
   * available in the transaction that completes the last of them. Default: none, it runs at once.
   */
  deps?: readonly (TaskRef | string)[];
  /**
   * Run once every dependency is finalized, whether it completed, was cancelled or discarded.
   * Default `false`: a dependency that ends cancelled or discarded cancels this task (and, in
   * turn, the tasks waiting on it).
   */
  ignoreDependencyFailure?: boolean;
}

/** One task as added, before validation. */
export interface TaskSpec {
  name: string;
  job: AnyJobDefinition;
  args: unknown;
  opts: AddTaskOpts | undefined;
}

/** Most characters of a task name: it is indexed with the workflow id. */
export const MAX_TASK_NAME_LENGTH = 200;
const TASK_OPT_NAMES = ['queue', 'priority', 'maxAttempts', 'scheduledAt', 'tags', 'metadata', 'deps', 'ignoreDependencyFailure'] as const;
const REFUSED: Record<string, string> = {
  pending: 'a task waits as pending on its deps; one with none runs at once',
  sequence: 'a sequence decides when its jobs run, and so do a task\'s deps: use deps to order tasks',
  uniqueOpts: 'a unique duplicate would be another job, outside the workflow: tasks are made unique by their workflow',
};

const depName = (dep: TaskRef | string): string => (dep instanceof TaskRef ? dep.name : dep);

function taskIssues(spec: TaskSpec, at: string, workflowId: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (typeof spec.name !== 'string' || spec.name.length === 0 || spec.name.length > MAX_TASK_NAME_LENGTH) {
    issues.push({ path: `${at}.name`, message: `must be a string of 1 to ${MAX_TASK_NAME_LENGTH} characters, got ${JSON.stringify(spec.name) ?? String(spec.name)}` });
  }
  const opts = spec.opts;
  if (opts === undefined) return issues;
  if (!isPlainObject(opts)) return [...issues, { path: `${at}.opts`, message: 'must be an object of insert options, deps and ignoreDependencyFailure' }];
  for (const [key, why] of Object.entries(REFUSED)) {
    if (key in opts) issues.push({ path: `${at}.opts.${key}`, message: `is not allowed on a workflow task: ${why}` });
  }
  issues.push(...unknownKeyIssues(Object.fromEntries(Object.entries(opts).filter(([key]) => !(key in REFUSED))), TASK_OPT_NAMES, `${at}.opts`, 'a task option'));
  if (opts.ignoreDependencyFailure !== undefined && typeof opts.ignoreDependencyFailure !== 'boolean') {
    issues.push({ path: `${at}.opts.ignoreDependencyFailure`, message: `must be a boolean, got ${String(opts.ignoreDependencyFailure)}` });
  }
  if (opts.deps !== undefined && !Array.isArray(opts.deps)) {
    issues.push({ path: `${at}.opts.deps`, message: 'must be an array of task refs (from wf.add) or task names' });
    return issues;
  }
  (opts.deps ?? []).forEach((dep, i) => {
    const path = `${at}.opts.deps[${i}]`;
    if (dep instanceof TaskRef) {
      if (dep.workflowId !== workflowId) issues.push({ path, message: `task ${JSON.stringify(dep.name)} belongs to workflow ${dep.workflowId}, not to this one (${workflowId}): a task depends only on tasks of its own workflow` });
    } else if (typeof dep !== 'string' || dep.length === 0) {
      issues.push({ path, message: `must be a task ref (from wf.add) or a task name, got ${JSON.stringify(dep) ?? String(dep)}` });
    }
  });
  for (const key of ['sequence', 'uniqueOpts'] as const) {
    if (spec.job?.insertOpts?.[key] !== undefined) issues.push({ path: `${at}.job.insertOpts.${key}`, message: `is not allowed on a workflow task: ${REFUSED[key]}` });
  }
  return issues;
}

/** The first cycle among the tasks' deps, as task names from a task back to itself, or undefined. */
function findCycle(deps: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const dep of deps.get(name) ?? []) {
      const cycle = deps.has(dep) ? visit(dep) : undefined;
      if (cycle) return cycle;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const name of deps.keys()) {
    const cycle = visit(name);
    if (cycle) return cycle;
  }
  return undefined;
}

/**
 * Everything wrong with a workflow's tasks, each issue naming the task (`tasks[2] ("ship")`):
 * bad names and options, duplicate names, deps on tasks of another workflow or on names that are
 * neither among `specs` nor in `existing` (tasks already stored, for tasks added by a worker),
 * and cycles.
 */
export function workflowIssues(workflowId: string, specs: readonly TaskSpec[], existing: ReadonlySet<string> = new Set()): ValidationIssue[] {
  const at = (i: number) => `tasks[${i}] (${JSON.stringify(specs[i]!.name)})`;
  const issues = specs.flatMap((spec, i) => taskIssues(spec, at(i), workflowId));
  const seen = new Map<string, number>();
  specs.forEach((spec, i) => {
    const first = seen.get(spec.name);
    if (first !== undefined) issues.push({ path: `${at(i)}.name`, message: `${JSON.stringify(spec.name)} is already the name of tasks[${first}]: task names are unique within a workflow` });
    else if (existing.has(spec.name)) issues.push({ path: `${at(i)}.name`, message: `${JSON.stringify(spec.name)} is already a task of workflow ${workflowId}` });
    else seen.set(spec.name, i);
  });
  if (issues.length > 0) return issues;
  const known = [...seen.keys(), ...existing];
  specs.forEach((spec, i) => {
    (spec.opts?.deps ?? []).forEach((dep, d) => {
      const name = depName(dep);
      if (seen.has(name) || existing.has(name)) return;
      const hint = didYouMean(name, known);
      issues.push({ path: `${at(i)}.opts.deps[${d}]`, message: `${JSON.stringify(name)} is no task of this workflow${hint ? `; did you mean ${JSON.stringify(hint)}?` : ''}` });
    });
  });
  if (issues.length > 0) return issues;
  const cycle = findCycle(new Map(specs.map((spec) => [spec.name, (spec.opts?.deps ?? []).map(depName)])));
  if (cycle) issues.push({ path: `${at(seen.get(cycle[0]!)!)}.opts.deps`, message: `makes a cycle, ${cycle.map((n) => JSON.stringify(n)).join(' -> ')}: no task of it could ever run` });
  return issues;
}

/** The names of a task's deps, each once. */
const depNamesOf = (spec: TaskSpec): string[] => [...new Set((spec.opts?.deps ?? []).map(depName))];

/** The insert items of tasks inserted together, each told which of them wait for it. */
export function taskInsertItems(workflow: { id: string; name: string }, specs: readonly TaskSpec[]): InsertItem[] {
  const dependents = dependentsByTask(specs.map((spec) => ({ name: spec.name, deps: depNamesOf(spec) })));
  return specs.map((spec) => taskInsertItem(workflow, spec, dependents.get(spec.name)!));
}

/**
 * The insert item of a task: its own options, with its place in the workflow in its metadata
 * (`dependents`: the tasks waiting for it), pending when it has deps.
 */
function taskInsertItem(workflow: { id: string; name: string }, spec: TaskSpec, dependents: readonly string[]): InsertItem {
  const { deps: _deps, ignoreDependencyFailure, ...insertOpts } = spec.opts ?? {};
  const names = depNamesOf(spec);
  const meta: WorkflowMetadata = { id: workflow.id, name: workflow.name, task: spec.name, deps: names, dependents: [...dependents] };
  if (ignoreDependencyFailure) meta.ignore_dependency_failure = true;
  return {
    job: spec.job,
    args: spec.args,
    opts: { ...insertOpts, metadata: { ...insertOpts.metadata, [WORKFLOW_METADATA_KEY]: meta } as unknown as InsertOpts['metadata'], pending: names.length > 0 },
  };
}
