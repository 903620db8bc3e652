import type { PgPool } from '../sql/pg-pool.js';
import { onOwnConnection } from '../sql/pool-transaction.js';
import { inlined, type Query } from '../sql/query.js';
import { workflowLock, workflowRelease } from '../sql/workflow-release.js';

/** Runs one statement where the caller's transaction is: a pool connection, or a Drizzle handle. */
export type RunQuery = (q: Query) => Promise<Record<string, unknown>[]>;

/** Most rounds of cancels one release follows: a cascade deeper than this is left to the repairer. */
const MAX_CASCADE_ROUNDS = 1000;

/** What one release did. */
export interface Released {
  released: number;
  cancelled: number;
}

/** The distinct ids, sorted, so every transaction takes the workflow locks in one order. */
export const sortedIds = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

/** Takes the workflows' advisory locks: a statement of its own, before the outcomes are written. */
export async function lockWorkflows(run: RunQuery, schema: string | undefined, ids: readonly string[]): Promise<void> {
  if (ids.length > 0) await run(workflowLock({ schema, ids }));
}

/**
 * Releases or cancels the pending tasks of these workflows whose dependencies are decided,
 * following cancels down the graph; with `finished`, only those waiting on these task names. Run it after {@link lockWorkflows} and the statements that
 * finished the dependencies, in the same transaction.
 */
export async function releaseWorkflows(run: RunQuery, schema: string | undefined, ids: readonly string[], finished: readonly string[] | null = null): Promise<Released> {
  const total = { released: 0, cancelled: 0 };
  if (ids.length === 0) return total;
  let names = finished === null ? null : [...new Set(finished)];
  for (let round = 0; round < MAX_CASCADE_ROUNDS; round++) {
    const [row] = await run(workflowRelease({ schema, ids, names }));
    const released = Number(row?.released ?? 0);
    const cancelled = Number(row?.cancelled ?? 0);
    total.released += released;
    total.cancelled += cancelled;
    // A cancel may decide its own dependents (cancelled too, or run by ignoreDependencyFailure).
    if (cancelled === 0) break;
    if (names !== null) names = (row?.cancelled_tasks as string[] | undefined) ?? [];
  }
  return total;
}

/**
 * Runs `body` in a transaction of its own that first locks these workflows and ends by releasing
 * their ready tasks (with `finished`, those waiting on these task names): what the body finishes and what that releases commit together.
 */
export async function inWorkflowTransaction<T>(
  pool: PgPool, schema: string | undefined, workflowIds: Iterable<string>, body: (run: RunQuery) => Promise<T>, finished: readonly string[] | null = null,
): Promise<T> {
  const ids = sortedIds(workflowIds);
  return onOwnConnection(pool, async (connection) => {
    const run: RunQuery = async (q) => (await connection.query(q.text, q.values)).rows;
    await connection.query('BEGIN');
    await lockWorkflows(run, schema, ids);
    const result = await body(run);
    await releaseWorkflows(run, schema, ids, finished);
    await connection.query('COMMIT');
    return result;
  });
}

/**
 * Completes jobs of workflows and releases their dependents in one round trip: `BEGIN`, the
 * locks, `complete` (a statement returning the ids it completed), the release of the tasks
 * waiting on `finished`, and `COMMIT`, as one text of statements run one after another, each
 * with a snapshot of its own. The common case of a workflow batch; a release that cancels
 * (a dependency failed elsewhere) follows its cascade in a transaction of its own.
 * @returns the rows `complete` returned.
 */
export async function completeInWorkflows(
  pool: PgPool, schema: string | undefined, workflowIds: Iterable<string>, complete: Query, finished: readonly string[],
): Promise<Record<string, unknown>[]> {
  const ids = sortedIds(workflowIds);
  const names = [...new Set(finished)];
  const text = ['BEGIN', inlined(workflowLock({ schema, ids })), inlined(complete), inlined(workflowRelease({ schema, ids, names })), 'COMMIT'].join(';\n');
  // A text of several statements answers with one result per statement.
  const results = (await onOwnConnection(pool, (connection) => connection.query(text))) as unknown as { rows: Record<string, unknown>[] }[];
  const released = results[3]?.rows[0];
  if (Number(released?.cancelled ?? 0) > 0) {
    await inWorkflowTransaction(pool, schema, ids, async () => undefined, (released?.cancelled_tasks as string[] | undefined) ?? []);
  }
  return results[2]?.rows ?? [];
}
