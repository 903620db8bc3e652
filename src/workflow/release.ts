import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { PgPool } from '../sql/pg-pool.js';
import { onOwnConnection } from '../sql/pool-transaction.js';
import { forgetPrepared, preparedExecute, UNDEFINED_PREPARED_STATEMENT } from '../sql/session-prepared.js';
import { inlined, type Query } from '../sql/query.js';
import { workflowLock, workflowRelease, type ReleaseTake } from '../sql/workflow-release.js';

export type { ReleaseTake } from '../sql/workflow-release.js';

/** Runs one statement where the caller's transaction is: a pool connection, or a Drizzle handle. */
export type RunQuery = (q: Query) => Promise<Record<string, unknown>[]>;

/** Dependents of a batch's tasks past which its release is planned for itself rather than run from a generic plan. */
const PLANNED_RELEASE_DEPENDENTS = 500;

/** Most rounds of cancels one release follows: a cascade deeper than this is left to the repairer. */
const MAX_CASCADE_ROUNDS = 1000;

/** What one release did. */
export interface Released {
  released: number;
  cancelled: number;
  /** The released tasks taken for the client that asked (see {@link ReleaseTake}), running now. */
  taken: JobRow<unknown>[];
}

const takenJobs = (json: unknown): JobRow<unknown>[] =>
  typeof json === 'string' ? (JSON.parse(json) as Record<string, unknown>[]).map((raw) => jobRowFromJson<unknown>(raw)) : [];

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
export async function releaseWorkflows(
  run: RunQuery, schema: string | undefined, ids: readonly string[], finished: readonly string[] | null = null, take?: ReleaseTake,
): Promise<Released> {
  const total: Released = { released: 0, cancelled: 0, taken: [] };
  if (ids.length === 0) return total;
  let names = finished === null ? null : [...new Set(finished)];
  for (let round = 0; round < MAX_CASCADE_ROUNDS; round++) {
    // Only the first round takes: a cascade's later rounds follow cancels, which release little.
    const [row] = await run(workflowRelease({ schema, ids, names, take: round === 0 ? take : undefined }));
    const released = Number(row?.released ?? 0);
    const cancelled = Number(row?.cancelled ?? 0);
    total.released += released;
    total.cancelled += cancelled;
    total.taken.push(...takenJobs(row?.taken));
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
  return (await releasingTransaction(pool, schema, workflowIds, body, finished)).result;
}

/** {@link inWorkflowTransaction}, whose release also takes tasks for a client (`take`), returned as `taken`. */
export async function releasingTransaction<T>(
  pool: PgPool, schema: string | undefined, workflowIds: Iterable<string>, body: (run: RunQuery) => Promise<T>,
  finished: readonly string[] | null, take?: ReleaseTake,
): Promise<{ result: T; taken: JobRow<unknown>[] }> {
  const ids = sortedIds(workflowIds);
  return onOwnConnection(pool, async (connection) => {
    const run: RunQuery = async (q) => (await connection.query(q.text, q.values)).rows;
    await connection.query('BEGIN');
    await lockWorkflows(run, schema, ids);
    const result = await body(run);
    const { taken } = await releaseWorkflows(run, schema, ids, finished, take);
    await connection.query('COMMIT');
    return { result, taken };
  });
}

/**
 * Completes jobs of workflows and releases their dependents in one round trip: `BEGIN`, the
 * locks, `complete` (a statement returning the ids it completed), the release of the tasks
 * waiting on `finished`, and `COMMIT`, as one text of statements run one after another, each
 * with a snapshot of its own. The common case of a workflow batch; a release that cancels
 * (a dependency failed elsewhere) follows its cascade in a transaction of its own. With `take`,
 * the release takes released tasks for that client.
 * @returns the rows `complete` returned, and the tasks taken.
 */
export async function completeInWorkflows(
  pool: PgPool, schema: string | undefined, workflowIds: Iterable<string>, complete: Query, finished: readonly string[], take?: ReleaseTake, dependents = 0,
): Promise<{ rows: Record<string, unknown>[]; taken: JobRow<unknown>[] }> {
  const ids = sortedIds(workflowIds);
  const names = [...new Set(finished)];
  const release = workflowRelease({ schema, ids, names, take });
  const results = await onOwnConnection(pool, async (connection) => {
    const send = async () => {
      // Prepared once per connection and run with a generic plan: planned each time, the release
      // cost three times what it runs (a chain's next task waits on it). Planned for itself when
      // it releases many: the generic plan of a 10,000-task fan-out's release ran twice as long.
      const releasing = dependents > PLANNED_RELEASE_DEPENDENTS
        ? inlined(release)
        : `SET LOCAL plan_cache_mode = force_generic_plan;\n${await preparedExecute(connection, 'tributary_release', release)}`;
      const text = ['BEGIN', inlined(workflowLock({ schema, ids })), inlined(complete), releasing, 'COMMIT'].join(';\n');
      // A text of several statements answers with one result per statement.
      return (await connection.query(text)) as unknown as { rows: Record<string, unknown>[] }[];
    };
    try {
      return await send();
    } catch (error) {
      if ((error as { code?: string }).code !== UNDEFINED_PREPARED_STATEMENT) throw error;
      // The session lost it (DISCARD ALL from a pooler, say): prepared again, sent again.
      forgetPrepared(connection);
      await connection.query('ROLLBACK');
      return await send();
    }
  });
  // One result per statement: BEGIN, the lock, complete, (SET,) the release, COMMIT.
  const released = results.at(-2)?.rows[0];
  if (Number(released?.cancelled ?? 0) > 0) {
    await inWorkflowTransaction(pool, schema, ids, async () => undefined, (released?.cancelled_tasks as string[] | undefined) ?? []);
  }
  return { rows: results[2]?.rows ?? [], taken: takenJobs(released?.taken) };
}
