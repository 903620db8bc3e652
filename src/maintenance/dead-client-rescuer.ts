import type { PgPool } from '../sql/pg-pool.js';
import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import { jobRescueOrphaned } from '../sql/job-rescue.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/**
 * How often each working client looks for dead clients' jobs, in ms. With the default 30 s
 * window, a dead client's jobs run again 30 to 40 s after its last heartbeat.
 */
export const DEAD_CLIENT_RESCUE_INTERVAL_MS = 10_000;
/** Most jobs rescued per statement. */
export const DEAD_CLIENT_RESCUE_BATCH = 1000;

export interface DeadClientRescuerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** A client silent for longer than this, in ms, is dead: its running jobs run again at once. */
  clientDeadAfterMs: number;
  /**
   * Whether this client may judge others now; false while its own heartbeats have been failing,
   * as after an outage every client looks silent until it writes again. Default: always.
   */
  mayJudge?: () => boolean;
  interval?: number;
  now?: Clock;
}

/**
 * Gives the running jobs of dead Tributary clients (stopped, or silent for `clientDeadAfterMs`)
 * another attempt at once, at the head of their queue. Every working client runs it, not only
 * the leader: a killed leader holds its lease for up to 15 s, and under a storm of kills the
 * next one may die too before its first pass, so rescue that waited for a leader took up to
 * 74 s. Several clients running it at once is safe (SKIP LOCKED) and cheap (it reads the small
 * heartbeat table and the running jobs through the state index).
 */
export class DeadClientRescuer extends PeriodicRunner {
  private disabled = false;

  constructor(private readonly options: DeadClientRescuerOptions) {
    super('dead-client rescuer', { interval: options.interval ?? DEAD_CLIENT_RESCUE_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many jobs it rescued. */
  async runOnce(): Promise<number> {
    if (this.disabled || this.options.mayJudge?.() === false) return 0;
    try {
      const rescued = await this.inBatches(DEAD_CLIENT_RESCUE_BATCH, () => this.rescue('available'));
      if (rescued > 0) this.logger.warn(`retried ${rescued} job(s) of clients that stopped heartbeating for ${this.options.clientDeadAfterMs} ms`);
      return rescued;
    } catch (error) {
      // The heartbeat warns about the missing table once; River's time rule still applies.
      if (sqlState(error) !== '42P01') throw error;
      this.disabled = true;
      return 0;
    }
  }

  private async rescue(target: 'available' | 'retryable'): Promise<number> {
    const { pool, schema, clientDeadAfterMs } = this.options;
    const { text, values } = jobRescueOrphaned({ schema, now: this.sqlNow(), deadAfterMs: clientDeadAfterMs, limit: DEAD_CLIENT_RESCUE_BATCH, target });
    try {
      return Number((await pool.query(text, values)).rows[0]?.rescued ?? 0);
    } catch (error) {
      // A job whose unique states leave out running but keep available, with a duplicate
      // inserted meanwhile: the scheduler discards such a job as River does.
      if (sqlState(error) !== '23505' || target === 'retryable') throw error;
      return this.rescue('retryable');
    }
  }
}
