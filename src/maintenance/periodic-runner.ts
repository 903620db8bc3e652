import type { Logger } from '../logger.js';
import type { Clock, MaintenanceService } from './service.js';

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
  private stopping = false;
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

  /** One pass; returns how many rows it changed. */
  abstract runOnce(): Promise<number>;

  /**
   * Runs a pass now, then every `interval`: a leader elected after another died has its
   * backlog of work (a dead client's jobs to rescue, due jobs to schedule) done at once, not a
   * whole interval later. `passNow: false` waits for the first interval, for a caller that
   * has just run a pass itself.
   */
  start(options: { passNow?: boolean } = {}): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.tick(), this.interval);
    if (options.passNow ?? true) this.tick();
  }

  /**
   * Runs statements of at most `batchSize` rows until one comes back short, each `runBatch`
   * returning how many rows it changed, with `pauseMs` between full batches. A stopping service
   * (a leader losing its leadership) ends between batches rather than after a whole backlog.
   * Returns the total.
   */
  protected async inBatches(batchSize: number, runBatch: () => Promise<number>, pauseMs = 0): Promise<number> {
    let total = 0;
    for (;;) {
      const changed = await runBatch();
      total += changed;
      if (changed < batchSize || this.stopping) return total;
      if (pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }

  private tick(): void {
    this.pass ??= Promise.resolve()
      .then(() => this.runOnce())
      .catch((error: unknown) => this.logger.warn(`${this.name} failed`, { error: String(error) }))
      .finally(() => (this.pass = undefined));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.pass;
    } finally {
      // A service is started again at the next election.
      this.stopping = false;
    }
  }
}
