import { PgDialect } from 'drizzle-orm/pg-core';
import type { PgPool, PgPoolClient } from '../sql/pg-pool.js';
import type { DrizzleHandle } from '../drizzle-handle.js';
import { ValidationError } from '../errors.js';
import { insertJobs, type InsertItem, type InsertResult } from '../insert/insert-jobs.js';
import { insertOptsIssues, resolveInsertOpts, type InsertOpts } from '../insert/opts.js';
import type { Logger } from '../logger.js';
import { jobPeriodicTickExists, periodicJobLock } from '../sql/job-periodic.js';
import type { Schedule } from './cron.js';
import { periodicJobId, periodicTicks, type PeriodicJob, type PeriodicJobInsert } from './periodic-job.js';
import { systemClock, type Clock, type MaintenanceService } from './service.js';

/** After a database error, the tick is tried again this soon, in ms. */
export const PERIODIC_RETRY_MS = 1000;
/** The longest sleep between passes, in ms, so a jump of the wall clock delays a tick by at most this. */
export const PERIODIC_MAX_SLEEP_MS = 60_000;

export interface PeriodicEnqueuerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  periodicJobs: readonly PeriodicJob<any>[];
  /** The client's `insertOpts`, under the constructor's and the job definition's. */
  insertDefaults: InsertOpts | undefined;
  /**
   * How the jobs are inserted, through the connection holding the tick's lock. Default: the
   * client's own validation and insert; a started client passes its insert path, middleware included.
   */
  insert?: (handle: DrizzleHandle, items: readonly InsertItem[], context: (index: number) => string) => Promise<InsertResult[]>;
  now?: Clock;
}

interface Entry {
  index: number;
  job: PeriodicJob<any>;
  ticks: Schedule;
  /** The next tick, set by the first pass after each start. */
  nextRunAt: Date | undefined;
  /** A runOnStart insert not yet made (its first try failed on the database). */
  startAt: Date | undefined;
}

type Result = 'inserted' | 'skipped' | 'retry';

const dialect = new PgDialect();

/** A Drizzle handle over one checked-out connection, so inserts share the caller's transaction. */
const connectionHandle = (connection: PgPoolClient): DrizzleHandle => ({
  execute: (statement) => {
    const { sql, params } = dialect.sqlToQuery(statement);
    return connection.query(sql, params);
  },
});

/**
 * Inserts the client's periodic jobs when their ticks come, in the leader only. Each tick is
 * inserted at most once per periodic job across all clients, even two that both think they lead:
 * the insert takes an advisory lock on the periodic job and skips a tick already in `river_job`.
 * A constructor that returns null, throws or makes invalid args skips its tick (logged); a
 * database error retries the tick after {@link PERIODIC_RETRY_MS}. Ticks missed by a stalled
 * leader, or while the database was down, collapse into one; ticks while no client led are
 * skipped, as in River. Its own timer wakes at the next tick (a fixed interval would make
 * second-precision cron late by up to that interval).
 */
export class PeriodicEnqueuer implements MaintenanceService {
  readonly name = 'periodic job enqueuer';
  private readonly entries: Entry[];
  /** Resolved id -> index of the periodic job that uses it, to catch two sharing a derived id. */
  private readonly owners = new Map<string, number>();
  private readonly clock: Clock;
  private initialized = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;

  constructor(private readonly options: PeriodicEnqueuerOptions) {
    this.clock = options.now ?? systemClock;
    this.entries = options.periodicJobs.map((job, index) => ({ index, job, ticks: periodicTicks(job), nextRunAt: undefined, startAt: undefined }));
  }

  start(): void {
    if (this.running || this.entries.length === 0) return;
    this.running = true;
    this.wakeIn(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    // A later election starts over: ticks from the new start, and runOnStart again, as in River.
    this.initialized = false;
    clearTimeout(this.timer);
    await this.pass;
  }

  /**
   * One pass: the first after a start schedules every job's first tick and makes the runOnStart
   * inserts; later ones insert the jobs whose tick has come. Returns how many jobs it inserted.
   */
  async runOnce(): Promise<number> {
    const now = this.clock();
    const first = !this.initialized;
    this.initialized = true;
    let inserted = 0;
    for (const entry of this.entries) {
      if (first) {
        entry.nextRunAt = entry.ticks.next(now);
        entry.startAt = entry.job.runOnStart ? now : undefined;
      }
      if (entry.startAt) {
        const result = await this.enqueue(entry, entry.startAt, true);
        if (result === 'inserted') inserted++;
        if (result !== 'retry') entry.startAt = undefined;
      }
      const tick = entry.nextRunAt!;
      if (tick > now) continue;
      const result = await this.enqueue(entry, tick, false);
      if (result === 'inserted') inserted++;
      // From now, not from the tick: ticks missed meanwhile collapse into this one.
      if (result !== 'retry') entry.nextRunAt = entry.ticks.next(now);
    }
    return inserted;
  }

  private wakeIn(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.pass ??= this.runOnce()
        .catch((error: unknown) => this.options.logger.warn(`${this.name} failed`, { error: String(error) }))
        .finally(() => {
          this.pass = undefined;
          if (this.running) this.wakeIn(this.sleepMs());
        });
    }, ms);
  }

  private sleepMs(): number {
    const now = this.clock().getTime();
    let soonest = now + PERIODIC_MAX_SLEEP_MS;
    for (const entry of this.entries) {
      const due = entry.startAt ? now : entry.nextRunAt?.getTime();
      if (due === undefined) continue;
      // Still due after a pass means its insert failed: try again after a pause, not in a loop.
      soonest = Math.min(soonest, due <= now ? now + PERIODIC_RETRY_MS : due);
    }
    return soonest - now;
  }

  private async enqueue(entry: Entry, at: Date, runOnStart: boolean): Promise<Result> {
    const { logger } = this.options;
    const where = `periodicJobs[${entry.index}]`;
    const tick = at.toISOString();
    let item: PeriodicJobInsert | null;
    try {
      item = await entry.job.construct({ at, runOnStart });
    } catch (error) {
      logger.error(`${where}: the constructor threw; skipping the tick at ${tick}`, { error: String(error) });
      return 'skipped';
    }
    if (item === null || item === undefined) {
      logger.debug(`${where}: the constructor returned null; skipping the tick at ${tick}`);
      return 'skipped';
    }
    const kind = (item as Partial<PeriodicJobInsert>).job?.kind;
    if (typeof kind !== 'string') {
      logger.error(`${where}: the constructor must return { job, args, opts? } with a job made by defineJob(), or null; skipping the tick at ${tick}`);
      return 'skipped';
    }
    const id = periodicJobId(entry.job, kind);
    const owner = this.owners.get(id) ?? entry.index;
    this.owners.set(id, owner);
    if (owner !== entry.index) {
      logger.error(`${where} has the same id as periodicJobs[${owner}], ${JSON.stringify(id)}, so its ticks would be taken for that job's: give each an explicit id`);
      return 'skipped';
    }
    const issues = insertOptsIssues(item.opts, 'opts');
    if (issues.length > 0) {
      logger.error(`${new ValidationError(`${where}: insert ${JSON.stringify(kind)}`, issues).message}; skipping the tick at ${tick}`);
      return 'skipped';
    }
    const metadata = resolveInsertOpts(item.opts, item.job.insertOpts, this.options.insertDefaults).metadata;
    const opts: InsertOpts = { ...item.opts, metadata: { ...metadata, periodic: true, 'river:periodic_job_id': id, periodic_tick: tick } };
    try {
      return await this.insertOnce({ ...item, opts }, id, tick, where);
    } catch (error) {
      if (error instanceof ValidationError) {
        logger.error(`${error.message}; skipping the tick at ${tick}`);
        return 'skipped';
      }
      logger.warn(`${where}: could not insert the tick at ${tick}; trying again in ${PERIODIC_RETRY_MS} ms`, { error: String(error) });
      return 'retry';
    }
  }

  /** Inserts the job unless a job for this periodic id and tick exists, in one transaction. */
  private async insertOnce(item: PeriodicJobInsert, id: string, tick: string, where: string): Promise<Result> {
    const { pool, schema, insertDefaults, logger, insert } = this.options;
    const connection = await pool.connect();
    let broken: Error | undefined;
    try {
      await connection.query('BEGIN');
      const lock = periodicJobLock({ schema, periodicJobId: id });
      await connection.query(lock.text, lock.values);
      const exists = jobPeriodicTickExists({ schema, kind: item.job.kind, periodicJobId: id, tick });
      if ((await connection.query(exists.text, exists.values)).rows[0]?.found) {
        await connection.query('COMMIT');
        logger.debug(`${where}: the tick at ${tick} was already inserted by another client`);
        return 'skipped';
      }
      const context = () => `${where}: insert ${JSON.stringify(item.job.kind)}`;
      const handle = connectionHandle(connection);
      const [result] = insert ? await insert(handle, [item], context) : await insertJobs(handle, [item], { schema, defaults: insertDefaults }, context);
      await connection.query('COMMIT');
      if (result?.uniqueSkippedAsDuplicate) {
        logger.debug(`${where}: the tick at ${tick} is a unique duplicate of job ${result.job.id}`);
        return 'skipped';
      }
      return 'inserted';
    } catch (error) {
      await connection.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
      throw error;
    } finally {
      // A connection that cannot even roll back is dropped, not given back to the pool.
      connection.release(broken);
    }
  }
}
