import type { Logger } from '../logger.js';
import { systemClock, type Clock, type MaintenanceService } from './service.js';

/** Options every periodic maintenance service takes. */
export interface PeriodicRunnerOptions {
  /** Time between passes, in ms. */
  interval: number;
  logger: Logger;
  /** Default: the system clock. */
  now?: Clock;
}

/**
 * River's maintenance shape: `runOnce()` does one pass (tests call it directly), `start()` runs
 * it every `interval` ms, never two passes at once, and `stop()` waits for a pass under way.
 */
export abstract class PeriodicRunner implements MaintenanceService {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;
  protected readonly logger: Logger;
  private readonly clock: Clock | undefined;
  private readonly interval: number;

  protected constructor(
    readonly name: string,
    options: PeriodicRunnerOptions,
  ) {
    this.logger = options.logger;
    this.clock = options.now;
    this.interval = options.interval;
  }

  /**
   * The injected time for SQL, or null for the database's own `now()`: without a test clock,
   * every cutoff is the server's time, so clients with skewed clocks agree.
   */
  protected sqlNow(): Date | null {
    return this.clock?.() ?? null;
  }

  /** The injected time, or the system's, for decisions made in Node (cron ticks). */
  protected now(): Date {
    return (this.clock ?? systemClock)();
  }

  /** One pass; returns how many rows it changed. */
  abstract runOnce(): Promise<number>;

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.interval);
  }

  /** Runs a pass now unless one is under way (used right after election, not to wait a whole interval). */
  protected tick(): void {
    this.pass ??= this.runOnce()
      .catch((error: unknown) => this.logger.warn(`${this.name} failed`, { error: String(error) }))
      .finally(() => (this.pass = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.pass;
  }
}
