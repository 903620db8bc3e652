import type { Logger } from '../logger.js';

/**
 * River's maintenance shape: `runOnce()` does one pass (tests call it directly), `start()` runs
 * it every `interval` ms, never two passes at once, and `stop()` waits for a pass under way.
 */
export abstract class PeriodicRunner {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<unknown> | undefined;

  protected constructor(
    private readonly name: string,
    private readonly interval: number,
    protected readonly logger: Logger,
  ) {}

  /** One pass; returns how many jobs it changed. */
  abstract runOnce(): Promise<number>;

  start(): void {
    this.timer = setInterval(() => {
      this.pass ??= this.runOnce()
        .catch((error: unknown) => this.logger.warn(`${this.name} failed`, { error: String(error) }))
        .finally(() => (this.pass = undefined));
    }, this.interval);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.pass;
  }
}
