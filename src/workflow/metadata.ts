/** The `river_job.metadata` key that holds a task's place in its workflow, readable by River UI and River's clients. */
export const WORKFLOW_METADATA_KEY = 'tributary:workflow';

/**
 * A task's `metadata["tributary:workflow"]`: its workflow's id and name, its own name, the names
 * of the tasks it waits for and of those waiting for it. Snake case, as River writes its metadata keys.
 */
export interface WorkflowMetadata {
  /** The workflow's id, a UUID made by the client. */
  id: string;
  /** The workflow's name, for people; not unique. */
  name: string;
  /** The task's name, unique within its workflow. */
  task: string;
  /** Names of the tasks of the same workflow it waits for; `[]` for none. */
  deps: string[];
  /**
   * Names of the tasks of the same workflow that wait for it, so a release looks up only those:
   * written at insert, and extended when a worker adds a task waiting for it. Absent (a task
   * written by an older client or by hand): its release reads every pending task of the workflow.
   */
  dependents?: string[];
  /** Present and true: runs once its dependencies are finalized, however they ended. */
  ignore_dependency_failure?: true;
}

/** A job's workflow metadata, or undefined for a job in no workflow (or one written malformed by another client). */
export function workflowOf(metadata: Record<string, unknown>): WorkflowMetadata | undefined {
  const value = metadata[WORKFLOW_METADATA_KEY] as Partial<WorkflowMetadata> | undefined;
  if (typeof value !== 'object' || value === null || typeof value.id !== 'string' || typeof value.task !== 'string') return undefined;
  return value as WorkflowMetadata;
}

/** The workflow id of a job, or undefined. */
export function workflowIdOf(metadata: Record<string, unknown>): string | undefined {
  return workflowOf(metadata)?.id;
}

/** For each task name, the names of the tasks (among these) that wait for it; every name gets an entry. */
export function dependentsByTask(tasks: readonly { name: string; deps: readonly string[] }[]): Map<string, string[]> {
  const dependents = new Map<string, string[]>(tasks.map((task) => [task.name, []]));
  for (const task of tasks) {
    for (const dep of new Set(task.deps)) {
      let list = dependents.get(dep);
      if (list === undefined) dependents.set(dep, (list = []));
      list.push(task.name);
    }
  }
  return dependents;
}
