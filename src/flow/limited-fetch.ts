import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { PgPool } from '../sql/pg-pool.js';
import { jobGetLimited, queueLock, queueLockInsert } from '../sql/job-get-limited.js';
import type { ConcurrencyLimit, RateLimit } from './limits-config.js';
import type { Logger } from '../logger.js';
import { statementName } from '../sql/query.js';
import { recordQueueLimits } from './queue-limits-record.js';

/** node-postgres' query-config form, which {@link PgPool}'s connections need not take. */
interface NamedQuery {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[] }>;
}

/**
 * Available jobs a partitioned fetch looks at per job it may take, and at most: enough that
 * partitions with room behind a partition with little room are reached in the same fetch, while
 * a fetch stays a bounded index scan. (Full partitions are left out of the scan, not counted.)
 */
export const LIMITED_SCAN_PER_JOB = 10;
export const LIMITED_SCAN_MAX = 1000;

export interface LimitedFetchOptions {
  pool: PgPool;
  schema: string | undefined;
  queue: string;
  clientId: string;
  logger: Logger;
  concurrency: ConcurrencyLimit | undefined;
  rateLimit: RateLimit | undefined;
  /** Send the fetch as a named prepared statement (the connection is node-postgres'): planned once per connection. */
  prepared: boolean;
  /** Ids of this client's jobs of the queue that finished but whose outcome is not written yet. */
  finishedIds: () => readonly number[];
}

/** What one limited fetch brought. */
export interface LimitedFetchResult {
  jobs: JobRow<unknown>[];
  /** The queue is paused (seen under its lock). */
  paused: boolean;
  /** A rate partition is full: ms until its oldest start leaves the window. */
  rateWaitMs: number | undefined;
}

/** Whether a queue's configuration limits it, and so needs the limited fetch. */
export const isLimited = (queue: { concurrency?: unknown; rateLimit?: unknown }): boolean => queue.concurrency !== undefined || queue.rateLimit !== undefined;

/**
 * The fetch of a queue with a concurrency or rate limit: a short transaction of its own that
 * locks the queue's `river_queue` row, then counts and takes in a second statement (see
 * {@link jobGetLimited}). Three round trips (`BEGIN` and the lock in one), against one for an
 * unlimited queue, whose fetch is untouched.
 */
export class LimitedFetch {
  private readonly lockText: string;
  private readonly scanPerJob: number;

  constructor(private readonly options: LimitedFetchOptions) {
    this.lockText = queueLock({ schema: options.schema, queue: options.queue });
    const partitioned = options.concurrency?.partition !== undefined || options.rateLimit?.partition !== undefined;
    this.scanPerJob = partitioned ? LIMITED_SCAN_PER_JOB : 1;
  }

  /** Records this client's limits in the queue's row (which must exist), warning when another client's differ. */
  async prepare(): Promise<void> {
    await recordQueueLimits(this.options);
  }

  async fetch(limit: number): Promise<LimitedFetchResult> {
    const { pool, schema, queue, clientId, concurrency, rateLimit } = this.options;
    const connection = await pool.connect();
    // Set when the connection may be left mid-transaction: destroyed then, never reused.
    let broken: Error | undefined;
    try {
      let paused = lastRows(await connection.query(this.lockText))[0]?.paused;
      if (paused === undefined) {
        // No row (removed by the queue cleaner meanwhile): making it takes the same lock.
        const { text, values } = queueLockInsert({ schema, queue });
        paused = (await connection.query(text, values)).rows[0]?.paused;
      }
      if (paused) {
        await connection.query('COMMIT');
        return { jobs: [], paused: true, rateWaitMs: undefined };
      }
      const scanLimit = Math.min(Math.max(limit * this.scanPerJob, limit), Math.max(LIMITED_SCAN_MAX, limit));
      const { text, values } = jobGetLimited({ schema, queue, clientId, limit, scanLimit, finishedIds: this.options.finishedIds(), concurrency, rateLimit });
      // Planning this statement took about 3 of its 12 ms (a busy machine, 25 jobs a fetch).
      const [row] = (this.options.prepared
        ? await (connection as unknown as NamedQuery).query({ name: statementName('tributary_fetch_limited', text), text, values })
        : await connection.query(text, values)
      ).rows;
      await connection.query('COMMIT');
      const jobs = (JSON.parse(row.jobs) as Record<string, unknown>[]).map((raw) => jobRowFromJson<unknown>(raw));
      return { jobs, paused: false, rateWaitMs: row.rate_wait_ms == null ? undefined : Math.max(0, Number(row.rate_wait_ms)) };
    } catch (error) {
      await connection.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      connection.release(broken);
    }
  }
}

/** The rows of the last statement of a multi-statement query (node-postgres returns one result per statement). */
function lastRows(result: unknown): any[] {
  const last = Array.isArray(result) ? result[result.length - 1] : result;
  return (last as { rows?: any[] })?.rows ?? [];
}

