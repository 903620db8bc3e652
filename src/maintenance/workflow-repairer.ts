import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { workflowsPending } from '../sql/workflow-admin.js';
import { inWorkflowTransaction, releaseWorkflows } from '../workflow/release.js';
import { PeriodicRunner } from './periodic-runner.js';

/** How often the leader looks for workflow tasks left pending with their dependencies decided. */
export const WORKFLOW_REPAIR_INTERVAL_MS = 5000;
/** Workflows released per transaction in a repair pass. */
export const WORKFLOW_REPAIR_BATCH = 100;

export interface WorkflowRepairerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  interval?: number;
}

/**
 * Releases (or cancels) workflow tasks left `pending` although their dependencies are decided:
 * dependencies finished by a client that knows nothing of workflows (River's own, or an older
 * Tributary), by hand, by the rescuer's discards, or by an admin action whose process died before
 * its release. Clients release dependents in the transaction that finishes a dependency; this
 * pass catches everything else, each batch of workflows under their locks as a completion is.
 */
export class WorkflowRepairer extends PeriodicRunner {
  constructor(private readonly options: WorkflowRepairerOptions) {
    super('workflow-repairer', { interval: options.interval ?? WORKFLOW_REPAIR_INTERVAL_MS, logger: options.logger });
  }

  /** One pass over every workflow with a pending task: returns how many tasks it released or cancelled. */
  async runOnce(): Promise<number> {
    const { pool, schema } = this.options;
    let after = '';
    let total = 0;
    for (;;) {
      const ids = (await pool.query(...args(workflowsPending({ schema, after, limit: WORKFLOW_REPAIR_BATCH })))).rows.map((r) => String(r.id));
      if (ids.length === 0) return total;
      const done = await inWorkflowTransaction(pool, schema, ids, (run) => releaseWorkflows(run, schema, ids));
      total += done.released + done.cancelled;
      if (done.released + done.cancelled > 0) this.logger.info(`workflow repairer: released ${done.released} and cancelled ${done.cancelled} task(s) left pending`);
      if (ids.length < WORKFLOW_REPAIR_BATCH) return total;
      after = ids.at(-1)!;
    }
  }
}

const args = (q: { text: string; values: unknown[] }): [string, unknown[]] => [q.text, q.values];
