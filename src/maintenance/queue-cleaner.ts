import type { PgPool } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';
import { queueDeleteExpired } from '../sql/queue-delete-expired.js';
import { PeriodicRunner } from './periodic-runner.js';
import type { Clock } from './service.js';

/** How often a producer refreshes its river_queue row and re-reads whether the queue is paused. */
export const QUEUE_REFRESH_INTERVAL_MS = 30_000;

/** How often the queue cleaner runs, in ms (River's interval). */
export const QUEUE_CLEANER_INTERVAL_MS = 60_000;
/** Most queues deleted per statement. */
export const QUEUE_CLEANER_BATCH = 1000;

export interface QueueCleanerOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** A `river_queue` row not refreshed for this long, in ms, is deleted; -1 keeps them all. */
  retention: number;
  interval?: number;
  /** Default {@link QUEUE_CLEANER_BATCH}. */
  batchSize?: number;
  now?: Clock;
}

/**
 * Deletes `river_queue` rows that no running client has refreshed for `retention`: every
 * producer refreshes its queue's row every 30 s, so only queues nobody works any more go.
 */
export class QueueCleaner extends PeriodicRunner {
  constructor(private readonly options: QueueCleanerOptions) {
    super('queue cleaner', { interval: options.interval ?? QUEUE_CLEANER_INTERVAL_MS, logger: options.logger, now: options.now });
  }

  /** One pass: returns how many queues it deleted. */
  async runOnce(): Promise<number> {
    const { pool, schema, retention } = this.options;
    if (retention === -1) return 0;
    const batchSize = this.options.batchSize ?? QUEUE_CLEANER_BATCH;
    const names: string[] = [];
    await this.inBatches(batchSize, async () => {
      const { text, values } = queueDeleteExpired({ schema, now: this.sqlNow(), retentionMs: retention, limit: batchSize });
      const { rows } = await pool.query(text, values);
      names.push(...rows.map((row: { name: string }) => row.name));
      return rows.length;
    });
    if (names.length > 0) this.logger.info(`deleted ${names.length} queue(s) no client has worked for ${retention} ms`, { queues: names });
    return names.length;
  }
}
