import type { PgPool, PgPoolClient } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';
import { indexDropConcurrently, indexReindexConcurrently, jobIndexList } from '../sql/index-reindex.js';
import type { Schedule } from './cron.js';
import { systemClock, type Clock, type MaintenanceService } from './service.js';

/**
 * The `river_job` indexes rebuilt on each run, as in River; those that do not exist (the GIN
 * indexes on args and metadata are opt-in here) are skipped.
 */
export const REINDEX_INDEXES: readonly string[] = [
  'river_job_args_index',
  'river_job_kind',
  'river_job_metadata_index',
  'river_job_pkey',
  'river_job_prioritized_fetching_index',
  'river_job_state_and_finalized_at_index',
  'river_job_unique_idx',
];

// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days), as a monthly cron's could be.
const MAX_TIMER_MS = 2 ** 31 - 1;
const LEFTOVER = /_cc(?:new|old)\d*$/;

export interface ReindexerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** When runs happen. */
  schedule: Schedule;
  /** Longest one statement may take, in ms, before Postgres cancels it. */
  timeout: number;
  /** Default {@link REINDEX_INDEXES}. */
  indexes?: readonly string[];
  now?: Clock;
}

/** What one reindexer pass did, by index name. */
export interface ReindexResult {
  /** Indexes rebuilt. */
  reindexed: string[];
  /** Invalid leftovers of interrupted rebuilds that were dropped. */
  dropped: string[];
  /** Indexes whose rebuild or drop failed (timed out, cancelled by stop, ...). */
  failed: string[];
}

/**
 * Rebuilds the job table's indexes on a schedule with `REINDEX INDEX CONCURRENTLY`, which undoes
 * the bloat a queue's churn leaves in them without blocking inserts or fetches. Each pass first
 * drops the invalid `<index>_ccnew` / `_ccold` copies an interrupted rebuild leaves behind (they
 * would otherwise be maintained on every write, forever).
 */
export class Reindexer implements MaintenanceService {
  readonly name = 'reindexer';
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<ReindexResult> | undefined;
  private backendPid: number | undefined;
  private stopping = false;

  constructor(private readonly options: ReindexerOptions) {}

  start(): void {
    if (this.timer) return;
    this.arm(this.options.schedule.next(this.now()));
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    try {
      // A rebuild of a large table can take minutes; a resigning leader must not wait for it.
      // The interrupted rebuild's leftover is dropped by the next pass.
      if (this.backendPid !== undefined) await this.options.pool.query('SELECT pg_cancel_backend($1)', [this.backendPid]).catch(() => {});
      await this.pass?.catch(() => {});
    } finally {
      this.stopping = false;
    }
  }

  /** One pass now: drops leftovers, then rebuilds each existing index. */
  async runOnce(): Promise<ReindexResult> {
    const pass = this.reindex();
    this.pass = pass;
    try {
      return await pass;
    } finally {
      if (this.pass === pass) this.pass = undefined;
    }
  }

  private async reindex(): Promise<ReindexResult> {
    const result: ReindexResult = { reindexed: [], dropped: [], failed: [] };
    const conn = await this.options.pool.connect();
    // A checked-out connection that dies between statements reports it as an 'error' event,
    // which would end the process unheard; the next statement fails with it anyway.
    conn.on('error', () => {});
    try {
      // REINDEX CONCURRENTLY cannot run in a transaction block, so each statement runs on its own
      // on this connection, whose backend stop() can cancel.
      this.backendPid = Number((await conn.query('SELECT pg_backend_pid() AS pid')).rows[0]?.pid);
      await conn.query(`SELECT set_config('statement_timeout', $1, false)`, [String(this.options.timeout)]);
      await this.dropLeftovers(conn, result);
      const existing = await this.indexes(conn);
      for (const index of existing.filter((i) => !LEFTOVER.test(i.name))) {
        if (this.stopping) break;
        try {
          const { text, values } = indexReindexConcurrently(index);
          await conn.query(text, values);
          result.reindexed.push(index.name);
        } catch (error) {
          result.failed.push(index.name);
          this.options.logger.warn(`could not reindex ${index.name}`, { error: String(error) });
        }
      }
      // A rebuild that timed out left a copy that slows every write until dropped: drop it now.
      if (result.failed.length > 0 && !this.stopping) await this.dropLeftovers(conn, result);
    } finally {
      this.backendPid = undefined;
      // Destroyed rather than pooled: it carries a statement_timeout, and maybe a cancel.
      conn.release(true);
    }
    if (result.reindexed.length > 0) this.options.logger.info(`reindexed ${result.reindexed.join(', ')}`);
    return result;
  }

  /** The configured indexes that exist, and the leftovers of their interrupted rebuilds. */
  private async indexes(conn: PgPoolClient): Promise<{ schema: string; name: string; valid: boolean }[]> {
    const wanted = new Set(this.options.indexes ?? REINDEX_INDEXES);
    const { text, values } = jobIndexList({ schema: this.options.schema });
    const { rows } = await conn.query(text, values);
    return rows.filter((row: { name: string }) => wanted.has(row.name.replace(LEFTOVER, '')));
  }

  private async dropLeftovers(conn: PgPoolClient, result: ReindexResult): Promise<void> {
    const leftovers = (await this.indexes(conn)).filter((i) => !i.valid && LEFTOVER.test(i.name));
    for (const index of leftovers) {
      if (this.stopping) return;
      try {
        const { text, values } = indexDropConcurrently(index);
        await conn.query(text, values);
        result.dropped.push(index.name);
      } catch (error) {
        result.failed.push(index.name);
        this.options.logger.warn(`could not drop ${index.name}, left by an interrupted reindex`, { error: String(error) });
      }
    }
  }

  private arm(at: Date): void {
    const delay = Math.min(Math.max(at.getTime() - this.now().getTime(), 0), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      if (this.now() < at) return this.arm(at);
      void this.runOnce()
        .catch((error: unknown) => this.options.logger.warn('reindexer failed', { error: String(error) }))
        .finally(() => {
          if (this.timer) this.arm(this.options.schedule.next(this.now()));
        });
    }, delay);
  }

  private now(): Date {
    return (this.options.now ?? systemClock)();
  }
}
