import type { Logger } from '../logger.js';
import { isSampleTableMissing } from '../maintenance/queue-sampler.js';
import type { PgPool } from '../sql/pg-pool.js';
import { queueSampleAddCounts, type QueueSampleCounts } from '../sql/queue-sample.js';

/** How often a working client adds the jobs it finished to `tributary_queue_sample`, in ms. */
export const THROUGHPUT_FLUSH_INTERVAL_MS = 5000;

/** What a finished attempt adds to its queue's minute: failed is every attempt that errored, retried or not. */
export type ThroughputOutcome = 'completed' | 'failed' | 'discarded';

export interface ThroughputRecorderOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** Default {@link THROUGHPUT_FLUSH_INTERVAL_MS}. */
  interval?: number;
}

const MINUTE_MS = 60_000;

/**
 * Counts in memory the jobs this client completed, failed and discarded, per queue and minute
 * (of this machine's clock), and adds them to `tributary_queue_sample` every few seconds in one
 * statement: the completer's path gets an increment, the database one upsert per queue and
 * minute per flush, however many jobs ran.
 */
export class ThroughputRecorder {
  private counts = new Map<string, QueueSampleCounts>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private missing = false;

  constructor(private readonly options: ThroughputRecorderOptions) {}

  /** Counts one finished attempt of a job in `queue`, now. */
  add(queue: string, outcome: ThroughputOutcome): void {
    if (this.missing) return;
    const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
    const key = `${minute} ${queue}`;
    let entry = this.counts.get(key);
    if (!entry) this.counts.set(key, (entry = { queue, at: new Date(minute), completed: 0, failed: 0, discarded: 0 }));
    entry[outcome]++;
  }

  start(): void {
    this.timer ??= setInterval(() => void this.flush(), this.options.interval ?? THROUGHPUT_FLUSH_INTERVAL_MS);
  }

  /** Stops the timer and writes what is still counted. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /** Writes the counts so far (after a flush under way, never two at once). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.counts.size === 0 || this.missing) return;
    const batch = this.counts;
    this.counts = new Map();
    this.flushing = this.write(batch).finally(() => (this.flushing = undefined));
    await this.flushing;
  }

  private async write(batch: Map<string, QueueSampleCounts>): Promise<void> {
    const { pool, schema, logger } = this.options;
    const { text, values } = queueSampleAddCounts({ schema, counts: [...batch.values()] });
    try {
      await pool.query(text, values);
    } catch (error) {
      if (isSampleTableMissing(error)) {
        this.missing = true;
        this.counts.clear();
        logger.warn('table tributary_queue_sample is missing, so the web UI dashboard shows no throughput: export tributaryQueueSample from your Drizzle schema, or run tributary migrate');
        return;
      }
      // Kept for the next flush: the figures are late, not lost, while the database is away.
      for (const [key, entry] of batch) {
        const now = this.counts.get(key);
        if (!now) this.counts.set(key, entry);
        else for (const field of ['completed', 'failed', 'discarded'] as const) now[field] += entry[field];
      }
      logger.warn('could not record job counts for the dashboard', { error: String(error) });
    }
  }
}
