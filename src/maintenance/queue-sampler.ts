import { sqlState } from '../drizzle-handle.js';
import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { queueSampleDepth, queueSamplePrune } from '../sql/queue-sample.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/** How often the leader samples the queues' depth, in ms: the dashboard's resolution. */
export const QUEUE_SAMPLER_INTERVAL_MS = 60_000;
/**
 * How long samples are kept, in ms: 26 hours, the dashboard's longest range (a day) and a
 * margin for clocks and a late pass.
 */
export const QUEUE_SAMPLE_RETENTION_MS = 26 * 3_600_000;

export interface QueueSamplerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** Default {@link QUEUE_SAMPLER_INTERVAL_MS}. */
  interval?: number;
  /** Default {@link QUEUE_SAMPLE_RETENTION_MS}. */
  retention?: number;
  now?: Clock;
}

/** Whether `error` says the samples table does not exist (not river_job, whose absence is another problem). */
export const isSampleTableMissing = (error: unknown): boolean => sqlState(error) === '42P01' && String((error as Error)?.message).includes('tributary_queue_sample');

/**
 * Writes each queue's depth into `tributary_queue_sample` once a minute and deletes samples
 * past their retention, for the web UI's dashboard. A database without the table (a Drizzle
 * schema that left it out) gets one warning, and the service does nothing from then on.
 */
export class QueueSampler extends PeriodicRunner {
  private missing = false;

  constructor(private readonly options: QueueSamplerOptions) {
    super('queue sampler', { interval: options.interval ?? QUEUE_SAMPLER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many queues it sampled. */
  async runOnce(): Promise<number> {
    if (this.missing) return 0;
    const { pool, schema } = this.options;
    try {
      const depth = queueSampleDepth({ schema, now: this.sqlNow() });
      const queues = Number((await pool.query(depth.text, depth.values)).rows[0]?.queues ?? 0);
      const prune = queueSamplePrune({ schema, now: this.sqlNow(), retentionMs: this.options.retention ?? QUEUE_SAMPLE_RETENTION_MS });
      await pool.query(prune.text, prune.values);
      return queues;
    } catch (error) {
      if (!isSampleTableMissing(error)) throw error;
      this.missing = true;
      this.logger.warn('table tributary_queue_sample is missing, so the web UI dashboard has no figures: export tributaryQueueSample from your Drizzle schema, or run tributary migrate');
      return 0;
    }
  }
}
