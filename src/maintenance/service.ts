import type { PgPool } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';

/** Returns the current time. Maintenance services take one so tests can move time forward. */
export type Clock = () => Date;

/** The system clock. */
export const systemClock: Clock = () => new Date();

/**
 * A leader-only background service: the scheduler, rescuer, cleaners, periodic jobs, or one of a
 * plugin's. The client starts every service when it becomes the leader and stops them when it
 * loses leadership or stops.
 */
export interface MaintenanceService {
  /** A short name for logs, such as `"cleaner"`. */
  readonly name: string;
  /** Begins running passes in the background. Must not throw. */
  start(): void;
  /** Stops running passes; resolves once a pass under way has ended. */
  stop(): Promise<void>;
  /** Runs one pass now. Tests call it directly instead of waiting for a timer. */
  runOnce(): Promise<unknown>;
}

/** What a maintenance service gets from the client that runs it. */
export interface MaintenanceContext {
  pool: PgPool;
  /** The Postgres schema of the tables, or undefined for the connection's search_path. */
  schema: string | undefined;
  logger: Logger;
  /** The id of the client running the service. */
  clientId: string;
  /**
   * A test clock, or undefined: services then compare against the database's `now()` in SQL
   * and use the system clock only for decisions made in Node.
   */
  now: Clock | undefined;
}
