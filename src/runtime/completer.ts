import type { PgPool } from '../client-config.js';
import type { Logger } from '../logger.js';
import { jobCompleteMany } from '../sql/job-complete-many.js';
import { jobSetStateMany, type JobOutcomeRow } from '../sql/job-set-state-many.js';

/** How long a result may wait for others to share its statement. */
export const COMPLETER_FLUSH_DELAY_MS = 20;
/** Most outcomes in one statement; more results flush at once. */
export const COMPLETER_MAX_BATCH = 1000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/** An outcome waiting to be written, and what to tell once it is. */
export interface PendingOutcome<T = unknown> {
  row: JobOutcomeRow;
  /** Anything the caller needs back in `onStored` (event timings, the error). */
  context: T;
}

export interface CompleterOptions<T> {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /**
   * Called after each flush: `written` is false when the job was no longer running that attempt;
   * `cancelled` is true when a pending cancel request turned a retry or snooze into a cancel.
   */
  onStored: (outcome: PendingOutcome<T>, written: boolean, cancelled: boolean) => void;
}

/**
 * Writes job outcomes in batches: one UPDATE per flush, on size or after a few milliseconds.
 * A failed flush is retried with backoff until it succeeds (a restarting Postgres), so no
 * outcome is ever dropped; `stop()` returns once everything is written.
 */
export class Completer<T = unknown> {
  private pending: PendingOutcome<T>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: CompleterOptions<T>) {}

  /** Number of outcomes not yet written. */
  get backlog(): number {
    return this.pending.length;
  }

  add(outcome: PendingOutcome<T>): void {
    this.pending.push(outcome);
    if (this.pending.length >= COMPLETER_MAX_BATCH) this.flushSoon(0);
    else this.flushSoon(COMPLETER_FLUSH_DELAY_MS);
  }

  /** Writes everything pending, including what arrives while it writes. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.pending.length > 0 || this.flushing) await (this.flushing ?? this.startFlush());
  }

  private flushSoon(delay: number): void {
    if (this.flushing) return; // the running flush picks new outcomes up when it ends
    if (this.timer && delay > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.startFlush();
    }, delay);
  }

  private startFlush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.flushSoon(0);
    });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, COMPLETER_MAX_BATCH);
      // Completed jobs take the fast statement; each statement is retried on its own, so one
      // that already succeeded is never repeated (it would match nothing and lose its events).
      const completed = batch.filter((b) => b.row.state === 'completed');
      const others = batch.filter((b) => b.row.state !== 'completed');
      const [a, b] = await Promise.all([this.writeWithRetry(completed), this.writeWithRetry(others)]);
      for (const outcome of batch) {
        const written = a.has(outcome.row.id) || b.has(outcome.row.id);
        const cancelled = b.get(outcome.row.id) === 'cancelled' && outcome.row.state !== 'cancelled';
        this.options.onStored(outcome, written, cancelled);
      }
    }
  }

  /** Writes a batch; returns the stored state of each row written (undefined from the fast path). */
  private async writeWithRetry(batch: PendingOutcome<T>[]): Promise<Map<number, string | undefined>> {
    if (batch.length === 0) return new Map();
    for (let attempt = 0; ; attempt++) {
      try {
        const { schema, pool } = this.options;
        const rows = batch.map((b) => b.row);
        const { text, values } = rows.every((r) => r.state === 'completed')
          ? jobCompleteMany({ schema, ids: rows.map((r) => r.id), attempts: rows.map((r) => r.attempt), finalizedAt: rows.map((r) => r.finalized_at!) })
          : jobSetStateMany({ schema, rows });
        const result = await pool.query(text, values);
        return new Map(result.rows.map((row) => [Number(row.id), row.state as string | undefined]));
      } catch (error) {
        const delay = Math.min(RETRY_MIN_MS * 2 ** attempt, RETRY_MAX_MS);
        this.options.logger.warn(`completer: writing ${batch.length} job outcome(s) failed; retrying in ${delay} ms`, {
          error: error instanceof Error ? error.message : String(error),
        });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }
}
