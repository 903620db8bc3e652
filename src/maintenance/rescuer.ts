import type { PgPool } from '../client-config.js';
import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import { clientDeleteStale } from '../sql/client-heartbeat.js';
import { jobRescue, jobRescueOrphaned } from '../sql/job-rescue.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/**
 * How often the rescuer runs, in ms. More often than River's minute, so that with the default
 * 30 s heartbeat window a dead client's jobs run again well within a minute of its death (both
 * statements use the state index and touch only running jobs, so a pass is cheap).
 */
export const RESCUER_INTERVAL_MS = 10_000;
/** Most jobs rescued per statement. */
export const RESCUER_BATCH = 1000;
/** Stopped or silent clients' heartbeat rows are forgotten after this long, in ms. */
export const CLIENT_ROW_RETENTION_MS = 24 * 3_600_000;

export interface RescuerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** Running longer than this, in ms, means stuck. */
  stuckAfterMs: number;
  /** A client silent for longer than this, in ms, is dead: its running jobs are retried at once. */
  clientDeadAfterMs: number;
  interval?: number;
  now?: Clock;
}

/**
 * Gives stuck jobs another attempt, or discards them at their last, by two rules: at once when
 * the Tributary client running them stopped heartbeating (it crashed), and after `stuckAfterMs`
 * for jobs of clients that do not heartbeat (River's). A job whose client is alive is never
 * rescued: its timeout, not the rescuer, ends it.
 */
export class Rescuer extends PeriodicRunner {
  private heartbeatsMissing = false;

  constructor(private readonly options: RescuerOptions) {
    super('rescuer', { interval: options.interval ?? RESCUER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs it rescued. */
  async runOnce(): Promise<number> {
    const { schema, stuckAfterMs, clientDeadAfterMs } = this.options;
    const orphaned = this.heartbeatsMissing ? 0 : await this.orphans();
    const liveClientWindowMs = this.heartbeatsMissing ? null : clientDeadAfterMs;
    const stuck = await this.batches(() => jobRescue({ schema, now: this.sqlNow(), stuckAfterMs, liveClientWindowMs, limit: RESCUER_BATCH }));
    if (orphaned > 0) this.logger.warn(`retried ${orphaned} job(s) of clients that stopped heartbeating for ${clientDeadAfterMs} ms`);
    if (stuck > 0) this.logger.warn(`rescued ${stuck} job(s) running for longer than ${stuckAfterMs} ms`);
    return orphaned + stuck;
  }

  private async orphans(): Promise<number> {
    const { schema, pool, clientDeadAfterMs } = this.options;
    try {
      const rescued = await this.batches(() => jobRescueOrphaned({ schema, now: this.sqlNow(), deadAfterMs: clientDeadAfterMs, limit: RESCUER_BATCH }));
      const stale = clientDeleteStale({ schema, now: this.sqlNow(), retentionMs: CLIENT_ROW_RETENTION_MS });
      await pool.query(stale.text, stale.values);
      return rescued;
    } catch (error) {
      if (sqlState(error) !== '42P01') throw error;
      this.heartbeatsMissing = true;
      this.logger.warn('table tributary_client is missing, so dead clients are only detected after rescueStuckJobsAfter: export tributaryClient from your Drizzle schema, or run tributary migrate');
      return 0;
    }
  }

  private batches(statement: () => { text: string; values: unknown[] }): Promise<number> {
    return this.inBatches(RESCUER_BATCH, async () => {
      const { text, values } = statement();
      return Number((await this.options.pool.query(text, values)).rows[0]?.rescued ?? 0);
    });
  }
}
