import type { Logger } from '../logger.js';
import type { MaintenanceConfig } from '../maintenance/maintenance-config.js';
import type { Middleware } from '../middleware.js';
import type { RetryPolicy } from '../retry-policy.js';
import type { PgPool } from '../sql/pg-pool.js';
import type { Worker } from '../worker.js';
import type { ErrorHandler } from './executor.js';
import type { ConcurrencyLimit, RateLimit } from '../flow/limits-config.js';

/** One queue this client works. */
export interface QueueConfig {
  /** Jobs of this queue run at once in this client, 1 to 10,000. */
  maxWorkers: number;
  /**
   * Jobs fetched ahead of free workers, 0 to 10,000, as graphile-worker's local queue: fewer,
   * larger fetches for higher throughput. Prefetched jobs are marked running while they wait;
   * `stop()` gives back those that never started, and after a crash they are rescued with the
   * crashed client's other jobs. Default: adaptive. While fetches come back full (a backlog) it
   * holds what the workers finish in about three fetch round trips, measured as they run (for
   * no-op jobs a few hundred, for jobs of seconds none), at most 10 per worker and 2,000; an
   * idle queue brings it back to none. `0` fetches only as many jobs as there are free workers,
   * as River does. Prefetched jobs of a queue with `concurrency` count as running: the adaptive
   * default holds none while the limit binds (a fetch cut short by it halves the prefetch), so
   * they do not keep slots from other clients' idle workers.
   */
  prefetch?: number;
  /**
   * Limits how many jobs of this queue run at once, across all clients (`globalLimit`) and in
   * this one (`localLimit`), optionally per partition. Default: none, only `maxWorkers`.
   * See the README's "Concurrency and rate limits".
   */
  concurrency?: ConcurrencyLimit;
  /**
   * Limits how many jobs of this queue start in any window of `period` ms across all clients,
   * optionally per partition. Default: none.
   */
  rateLimit?: RateLimit;
}

/** What a working client's runtime takes from its resolved configuration, validated already. */
export interface RuntimeConfig extends MaintenanceConfig {
  pool: PgPool;
  schema: string | undefined;
  id: string;
  logger: Logger;
  queues: ReadonlyMap<string, QueueConfig>;
  workers: readonly Worker<any>[];
  fetchCooldown: number;
  fetchPollInterval: number;
  preparedStatements: boolean;
  jobTimeout: number;
  retryPolicy: RetryPolicy;
  errorHandler: ErrorHandler | undefined;
  middleware: readonly Middleware[];
}
