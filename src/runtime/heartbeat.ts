import { hostname } from 'node:os';
import type { PgPool } from '../sql/pg-pool.js';
import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import { clientHeartbeat, clientStopped } from '../sql/client-heartbeat.js';

/** Heartbeats are written at most this far apart, in ms (more often for short windows). */
export const HEARTBEAT_INTERVAL_MS = 5000;

export interface HeartbeatOptions {
  pool: PgPool;
  schema: string | undefined;
  clientId: string;
  logger: Logger;
  /** The rescue window; three heartbeats fit in it, so one slow write is no false alarm. */
  clientDeadAfterMs: number;
}

/**
 * Writes this client's liveness into `tributary_client` while it works, so the leader's rescuer
 * retries its jobs at once if the process dies. A failed heartbeat is only logged: the window
 * is several heartbeats long.
 */
export class Heartbeat {
  private timer: NodeJS.Timeout | undefined;
  private beat: Promise<void> | undefined;
  private disabled = false;
  private lastFailureAt = -Infinity;

  constructor(private readonly options: HeartbeatOptions) {}

  /**
   * Marks a previous process that ran under this client's id (a fixed `id` reused across
   * restarts) as stopped, so its running jobs count as a dead client's: none of them can be
   * running in this new process, and its first heartbeat would otherwise make them look alive.
   */
  async retirePrevious(): Promise<void> {
    if (this.disabled) return;
    const { text, values } = clientStopped({ schema: this.options.schema, id: this.options.clientId });
    try {
      await this.options.pool.query(text, values);
    } catch (error) {
      if (sqlState(error) !== '42P01') throw error;
      this.disable();
    }
  }

  /**
   * Writes the first heartbeat, which must succeed: without it a crash of this client would
   * leave its jobs running until rescueStuckJobsAfter (an hour), not clientDeadAfter.
   * @throws the database's error when it cannot be written.
   */
  async start(): Promise<void> {
    const { schema, clientId, pool } = this.options;
    const { text, values } = clientHeartbeat({ schema, id: clientId, hostname: hostname(), pid: process.pid, starting: true });
    try {
      await pool.query(text, values);
    } catch (error) {
      if (sqlState(error) !== '42P01') throw error;
      this.disable();
    }
    const interval = Math.min(HEARTBEAT_INTERVAL_MS, Math.floor(this.options.clientDeadAfterMs / 3));
    this.timer = setInterval(() => (this.beat ??= this.write(false).finally(() => (this.beat = undefined))), interval);
  }

  /** Records a clean stop, after the client's jobs have finished. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beat;
    if (this.disabled) return;
    const { text, values } = clientStopped({ schema: this.options.schema, id: this.options.clientId });
    await this.options.pool.query(text, values).catch((error: unknown) => this.options.logger.warn('could not record the client stop', { error: String(error) }));
  }

  private disable(): void {
    if (this.disabled) return;
    this.disabled = true;
    this.options.logger.warn('table tributary_client is missing, so a crash of this client is only recovered after rescueStuckJobsAfter: export tributaryClient from your Drizzle schema, or run tributary migrate');
  }

  /**
   * Whether a heartbeat failed within the last `clientDeadAfterMs`: then this client cannot
   * tell a dead client from one that, like itself, could not reach the database, and must not
   * rescue others' jobs yet.
   */
  get recentlyFailed(): boolean {
    return Date.now() - this.lastFailureAt < this.options.clientDeadAfterMs;
  }

  private async write(starting: boolean): Promise<void> {
    if (this.disabled) return;
    const { schema, clientId, pool, logger } = this.options;
    const { text, values } = clientHeartbeat({ schema, id: clientId, hostname: hostname(), pid: process.pid, starting });
    try {
      await pool.query(text, values);
    } catch (error) {
      if (sqlState(error) === '42P01') return this.disable();
      this.lastFailureAt = Date.now();
      logger.warn('heartbeat failed', { error: String(error) });
    }
  }
}
