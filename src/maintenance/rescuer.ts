import type { PgPool } from '../client-config.js';
import type { Logger } from '../logger.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';
import { jobRescue } from '../sql/job-rescue.js';

/** How often the rescuer looks for stuck jobs. */
export const RESCUER_INTERVAL_MS = 60_000;
/** Most jobs rescued per statement. */
export const RESCUER_BATCH = 1000;

export interface RescuerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** Running longer than this, in ms, means stuck. */
  stuckAfterMs: number;
  interval?: number;
  now?: Clock;
}

/**
 * Gives stuck jobs (running past `stuckAfterMs`, so their client died or hung) another attempt,
 * or discards them at their last. Safe to run in several clients at once (SKIP LOCKED); leader
 * election will later keep it to one.
 */
export class Rescuer extends PeriodicRunner {
  constructor(private readonly options: RescuerOptions) {
    super('rescuer', { interval: options.interval ?? RESCUER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs it rescued. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const { text, values } = jobRescue({ schema: this.options.schema, now: this.sqlNow(), stuckAfterMs: this.options.stuckAfterMs, limit: RESCUER_BATCH });
      const rescued = Number((await this.options.pool.query(text, values)).rows[0]?.rescued ?? 0);
      total += rescued;
      if (rescued > 0) this.logger.warn(`rescued ${rescued} stuck job(s)`);
      if (rescued < RESCUER_BATCH) return total;
    }
  }
}
