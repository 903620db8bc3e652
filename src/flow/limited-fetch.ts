import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { PgPool } from '../sql/pg-pool.js';
import { jobGetLimited, queueLock, queueLockInsert } from '../sql/job-get-limited.js';
import { jobGetLimitedShared, sharedLock, sharedRoom, sharedShare } from '../sql/job-get-limited-shared.js';
import type { ConcurrencyLimit, RateLimit } from './limits-config.js';
import type { Logger } from '../logger.js';
import { inlined, statementName } from '../sql/query.js';
import { recordQueueLimits } from './queue-limits-record.js';
import { jobHandOver } from '../sql/job-hand-over.js';

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
  /** A shared fetch stopped at its share, below the room asked for: more may be waiting. */
  capped?: boolean;
}

/** Whether a queue's configuration limits it, and so needs the limited fetch. */
export const isLimited = (queue: { concurrency?: unknown; rateLimit?: unknown }): boolean => queue.concurrency !== undefined || queue.rateLimit !== undefined;

/**
 * The fetch of a queue with a concurrency or rate limit: a short transaction of its own that
 * takes the queue's locks, then counts and takes in a second statement. Three round trips
 * (`BEGIN` and the locks in one), against one for an unlimited queue, whose fetch is untouched.
 *
 * Exclusive fetches ({@link jobGetLimited}) run one at a time per queue across all clients.
 * A queue with only a global limit (of 8 or more, unpartitioned) fetches shared while it runs
 * well under its limit ({@link jobGetLimitedShared}): up to four at once, each leaving room for
 * what the others may be taking, so a limit that does not bind costs no queue-wide wait.
 */
export class LimitedFetch {
  private readonly lockText: string;
  private readonly sharedText: string;
  private readonly scanPerJob: number;
  /** The most jobs a shared fetch takes; 0 when this queue never fetches shared. */
  private readonly share: number;
  /** Running jobs of the queue the last fetch counted. */
  private lastRunning = 0;
  private held = false;
  private shared = false;

  constructor(private readonly options: LimitedFetchOptions) {
    this.lockText = queueLock({ schema: options.schema, queue: options.queue });
    this.sharedText = sharedLock({ schema: options.schema, queue: options.queue });
    const partitioned = options.concurrency?.partition !== undefined || options.rateLimit?.partition !== undefined;
    this.scanPerJob = partitioned ? LIMITED_SCAN_PER_JOB : 1;
    const { concurrency, rateLimit } = options;
    const sharable = rateLimit === undefined && concurrency?.partition === undefined && concurrency?.localLimit === undefined && concurrency?.globalLimit !== undefined;
    this.share = sharable ? sharedShare(concurrency.globalLimit!) : 0;
  }

  /**
   * Whether the next fetch of `limit` jobs goes shared: it may, and the last count left room for
   * it beside what the other shared fetches may take. Only a guess (the count is old); the
   * shared statement itself never takes more than the room it sees.
   */
  private goesShared(limit: number): boolean {
    if (this.share === 0) return false;
    return Math.min(limit, this.share) <= sharedRoom(this.options.concurrency!.globalLimit!, this.lastRunning);
  }

  /**
   * Whether a job of this queue that completed here may hand its slot to the next job of its
   * partition ({@link handOver}): a concurrency limit and no rate limit (a start under a rate
   * limit must be logged under the queue's lock).
   */
  get handsOver(): boolean {
    return this.options.concurrency !== undefined && this.options.rateLimit === undefined;
  }

  /**
   * Whether the limits kept available jobs from the last fetch, which had room for them: the
   * limit binds, and a freed slot is worth handing over. False after a shared fetch (the queue
   * was well under its limit).
   */
  get limitBinds(): boolean {
    return this.held;
  }

  /** Whether the last fetch was shared: the queue ran at most about half its limit, no client waits for a slot. */
  get sharing(): boolean {
    return this.shared;
  }

  /**
   * Stores a completion and takes the next job of its partition in one statement (see
   * {@link jobHandOver}): `written` is false when the job no longer ran that attempt.
   */
  async handOver(row: { id: number; attempt: number; finalized_at: string | null }): Promise<{ written: boolean; jobs: JobRow<unknown>[] }> {
    const { pool, schema, queue, clientId, concurrency } = this.options;
    const { text, values } = jobHandOver({ schema, queue, clientId, partition: concurrency?.partition, id: row.id, attempt: row.attempt, finalizedAt: row.finalized_at!, scanLimit: LIMITED_SCAN_MAX });
    // Prepared where the pool is node-postgres': planning was a third of its time.
    const [result] = (this.options.prepared
      ? await (pool as unknown as NamedQuery).query({ name: statementName('tributary_hand_over', text), text, values })
      : await pool.query(text, values)
    ).rows;
    return { written: result.done === 1, jobs: (JSON.parse(result.jobs) as Record<string, unknown>[]).map((raw) => jobRowFromJson<unknown>(raw)) };
  }

  /** Records this client's limits in the queue's row (which must exist), warning when another client's differ. */
  async prepare(): Promise<void> {
    await recordQueueLimits(this.options);
  }

  async fetch(limit: number): Promise<LimitedFetchResult> {
    if (this.goesShared(limit)) {
      const shared = await this.fetchShared(limit);
      // No room left for a shared fetch: the exclusive one sees exactly what is left.
      if (shared !== undefined) return shared;
    }
    return this.fetchExclusive(limit);
  }

  /**
   * A shared fetch, one round trip: `BEGIN`, the locks and the fetch, each a statement of its
   * own (so the fetch's snapshot is taken once the locks are held), and `COMMIT`, values written
   * in. Undefined when it found no room and took nothing.
   */
  private async fetchShared(limit: number): Promise<LimitedFetchResult | undefined> {
    const { pool, schema, queue, clientId, concurrency } = this.options;
    const fetch = jobGetLimitedShared({ schema, queue, clientId, limit, globalLimit: concurrency!.globalLimit!, finishedIds: this.options.finishedIds() });
    const connection = await pool.connect();
    let broken: Error | undefined;
    try {
      const [row] = (await connection.query(`BEGIN; ${this.sharedText}; ${inlined(fetch)}; COMMIT`) as unknown as { rows: any[] }[]).at(-2)!.rows;
      this.lastRunning = Number(row.running);
      this.held = false;
      this.shared = true;
      if (row.paused) return { jobs: [], paused: true, rateWaitMs: undefined };
      const jobs = (JSON.parse(row.jobs) as Record<string, unknown>[]).map((raw) => jobRowFromJson<unknown>(raw));
      if (jobs.length === 0 && !this.goesShared(limit)) return undefined;
      return { jobs, paused: false, rateWaitMs: undefined, capped: jobs.length === this.share && this.share < limit };
    } catch (error) {
      // A statement that failed leaves the transaction open and aborted.
      await connection.query('ROLLBACK').catch((e: Error) => (broken = e));
      throw error;
    } finally {
      connection.release(broken);
    }
  }

  private async fetchExclusive(limit: number): Promise<LimitedFetchResult> {
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
      this.lastRunning = Number(row.running);
      this.held = row.held_back === true;
      this.shared = false;
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

