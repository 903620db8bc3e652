import type { PgPool } from '../sql/pg-pool.js';
import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import { clientDeleteStale } from '../sql/client-heartbeat.js';
import { jobRescue } from '../sql/job-rescue.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/**
 * How often the leader's rescuer runs, in ms, more often than River's minute; its statement uses
 * the state index and touches only running jobs, so a pass is cheap.
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
 * The leader's rescuer: gives jobs running longer than `stuckAfterMs` another attempt (after
 * attempt^4 s), or discards them at their last, when their client does not heartbeat (River's
 * clients). A job whose Tributary client is alive is never rescued: its timeout, not the
 * rescuer, ends it. The jobs of dead Tributary clients are every client's
 * {@link DeadClientRescuer}'s. It also forgets heartbeat rows a day old.
 */
export class Rescuer extends PeriodicRunner {
  private heartbeatsMissing = false;

  constructor(private readonly options: RescuerOptions) {
    super('rescuer', { interval: options.interval ?? RESCUER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs it rescued. */
  async runOnce(): Promise<number> {
    const { schema, stuckAfterMs, clientDeadAfterMs } = this.options;
    if (!this.heartbeatsMissing) await this.forgetStaleClients();
    const liveClientWindowMs = this.heartbeatsMissing ? null : clientDeadAfterMs;
    const stuck = await this.batches(() => jobRescue({ schema, now: this.sqlNow(), stuckAfterMs, liveClientWindowMs, limit: RESCUER_BATCH }));
    if (stuck > 0) this.logger.warn(`rescued ${stuck} job(s) running for longer than ${stuckAfterMs} ms`);
    return stuck;
  }

  private async forgetStaleClients(): Promise<void> {
    const stale = clientDeleteStale({ schema: this.options.schema, now: this.sqlNow(), retentionMs: CLIENT_ROW_RETENTION_MS });
    try {
      await this.options.pool.query(stale.text, stale.values);
    } catch (error) {
      if (sqlState(error) !== '42P01') throw error;
      this.heartbeatsMissing = true;
      this.logger.warn('table tributary_client is missing, so dead clients are only detected after rescueStuckJobsAfter: export tributaryClient from your Drizzle schema, or run tributary migrate');
    }
  }

  private batches(statement: () => { text: string; values: unknown[] }): Promise<number> {
    return this.inBatches(RESCUER_BATCH, async () => {
      const { text, values } = statement();
      return Number((await this.options.pool.query(text, values)).rows[0]?.rescued ?? 0);
    });
  }
}
