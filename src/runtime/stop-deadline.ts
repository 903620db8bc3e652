/**
 * At most this long before a stop's deadline, running jobs' signals abort, so that a worker
 * which passes its signal on has the time to end and have its outcome written. Half the
 * timeout for a timeout under twice this.
 */
export const STOP_CANCEL_GRACE_MS = 5000;

/**
 * The deadline of a stop with a timeout: at `timeout - grace` it cancels what still runs, and
 * at `timeout` it gives up waiting. Several limits keep the earliest.
 */
export class StopDeadline {
  private abortTimer: NodeJS.Timeout | undefined;
  private giveUpTimer: NodeJS.Timeout | undefined;
  private giveUpAt = Infinity;
  private resolveGaveUp!: () => void;
  private passedDeadline = false;
  private done = false;
  /** Resolves once the deadline has passed; pending while there is none. */
  readonly gaveUp = new Promise<void>((resolve) => (this.resolveGaveUp = resolve));

  constructor(private readonly actions: { abort: () => void; giveUp: () => void }) {}

  /** Whether the deadline passed before the stop was done. */
  get passed(): boolean {
    return this.passedDeadline;
  }

  /** Gives the stop at most `timeoutMs` from now. */
  limit(timeoutMs: number): void {
    const at = Date.now() + timeoutMs;
    if (this.done || at >= this.giveUpAt) return;
    this.giveUpAt = at;
    this.clear();
    const grace = Math.min(STOP_CANCEL_GRACE_MS, timeoutMs / 2);
    // Unref'd: a deadline never keeps a process alive that has nothing else to do.
    this.abortTimer = setTimeout(() => this.actions.abort(), timeoutMs - grace).unref();
    this.giveUpTimer = setTimeout(() => {
      this.passedDeadline = true;
      this.actions.giveUp();
      this.resolveGaveUp();
    }, timeoutMs).unref();
  }

  /** The stop is done: no more cancelling or giving up, and later limits are ignored. */
  finish(): void {
    this.done = true;
    this.clear();
  }

  private clear(): void {
    clearTimeout(this.abortTimer);
    clearTimeout(this.giveUpTimer);
  }
}
