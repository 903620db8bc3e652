import type { PgPool } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';
import { jobDeleteBefore } from '../sql/job-delete-before.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/** How often the job cleaner runs, in ms (River's interval). */
export const JOB_CLEANER_INTERVAL_MS = 30_000;
/** Most jobs deleted per statement: each statement is short, so no lock is held for long. */
export const JOB_CLEANER_BATCH = 1000;
/** Pause between two full batches, in ms, to leave the database room for other work. */
export const JOB_CLEANER_BATCH_PAUSE_MS = 50;

/** How long finalized jobs are kept, by state, in ms; -1 keeps them forever. */
export interface JobRetention {
  /** Default 86,400,000 (24 hours). */
  completed?: number;
  /** Default 86,400,000 (24 hours). */
  cancelled?: number;
  /** Default 604,800,000 (7 days). */
  discarded?: number;
}

export interface JobCleanerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  retention: Required<JobRetention>;
  interval?: number;
  /** Default {@link JOB_CLEANER_BATCH}. */
  batchSize?: number;
  /** Default {@link JOB_CLEANER_BATCH_PAUSE_MS}. */
  batchPause?: number;
  now?: Clock;
}

const kept = (ms: number) => (ms === -1 ? null : ms);

/**
 * Deletes completed, cancelled and discarded jobs once their state's retention has passed since
 * `finalized_at`, a batch per statement until a batch comes back short.
 */
export class JobCleaner extends PeriodicRunner {
  constructor(private readonly options: JobCleanerOptions) {
    super('job cleaner', { interval: options.interval ?? JOB_CLEANER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs it deleted. */
  async runOnce(): Promise<number> {
    const { pool, schema, retention } = this.options;
    const batchSize = this.options.batchSize ?? JOB_CLEANER_BATCH;
    const ms = { completedMs: kept(retention.completed), cancelledMs: kept(retention.cancelled), discardedMs: kept(retention.discarded) };
    if (ms.completedMs === null && ms.cancelledMs === null && ms.discardedMs === null) return 0;
    const total = await this.inBatches(batchSize, async () => {
      const { text, values } = jobDeleteBefore({ schema, now: this.sqlNow(), ...ms, limit: batchSize });
      return Number((await pool.query(text, values)).rows[0]?.deleted ?? 0);
    }, this.options.batchPause ?? JOB_CLEANER_BATCH_PAUSE_MS);
    if (total > 0) this.logger.info(`deleted ${total} finalized job(s) past their retention`);
    return total;
  }
}
