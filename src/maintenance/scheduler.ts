import type { PgPool } from '../sql/pg-pool.js';
import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';
import { jobDiscardUniqueConflict, jobListDue, jobSchedule, jobScheduleOne } from '../sql/job-schedule.js';

/** How often the scheduler looks for due jobs. */
export const SCHEDULER_INTERVAL_MS = 1000;
/** Most jobs made available per statement. */
export const SCHEDULER_BATCH = 10_000;

export interface SchedulerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  interval?: number;
  now?: Clock;
}

/**
 * Makes scheduled and retryable jobs available when their time comes, and notifies their
 * queues. Only the leader runs it, but two at once would still be safe (SKIP LOCKED).
 */
export class Scheduler extends PeriodicRunner {
  constructor(private readonly options: SchedulerOptions) {
    super('scheduler', { interval: options.interval ?? SCHEDULER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs became available (or were discarded for a unique conflict). */
  async runOnce(): Promise<number> {
    const { schema, pool } = this.options;
    return this.inBatches(SCHEDULER_BATCH, async () => {
      try {
        const { text, values } = jobSchedule({ schema, now: this.sqlNow(), limit: SCHEDULER_BATCH });
        return Number((await pool.query(text, values)).rows[0]?.moved ?? 0);
      } catch (error) {
        if (sqlState(error) !== '23505') throw error;
        return this.oneByOne();
      }
    });
  }

  private async oneByOne(): Promise<number> {
    const { schema, pool } = this.options;
    const due = jobListDue({ schema, now: this.sqlNow(), limit: SCHEDULER_BATCH });
    const { rows } = await pool.query(due.text, due.values);
    for (const { id } of rows) {
      const one = jobScheduleOne({ schema, id: Number(id) });
      try {
        await pool.query(one.text, one.values);
      } catch (error) {
        if (sqlState(error) !== '23505') throw error;
        const discard = jobDiscardUniqueConflict({ schema, id: Number(id) });
        await pool.query(discard.text, discard.values);
        this.logger.warn(`job ${id} discarded: making it available would duplicate a unique job`);
      }
    }
    return rows.length;
  }
}
