import type { AnyJobDefinition } from '../job.js';

/**
 * A task of a workflow, as `wf.add` returns it: pass it in another task's `deps`, and to
 * `ctx.workflow.output(ref)` to read its output typed by its job definition.
 */
export class TaskRef<J extends AnyJobDefinition = AnyJobDefinition> {
  /** @internal Made by `wf.add` and `ctx.workflow.add`. */
  constructor(
    /** The id of the workflow the task belongs to. */
    readonly workflowId: string,
    /** The task's name, unique within its workflow. */
    readonly name: string,
    /** The task's job definition. */
    readonly job: J,
  ) {}
}
