/** What one worker process is told to be, passed in its environment by process-pool.ts. */
export interface WorkerConfig {
  /**
   * `plain`: the handler records its start and works; `completetx`: it also writes an effect row
   * and completes the job in one Drizzle transaction, as the README's "Working jobs" shows.
   */
  handler: 'plain' | 'completetx';
  /** The queue it works (one per worker set, so each set's figures stay apart). */
  queue: string;
  maxWorkers: number;
  /** Postgres application_name of every connection: how connection kills find the workers' backends. */
  applicationName: string;
  /** Install the README's SIGTERM snippet ("Stopping"). */
  readmeShutdown?: boolean;
  /** Record when each handler ended and how (`finished`, `aborted`). */
  recordEnds?: boolean;
}

/** Environment variables of a worker process. */
export const WORKER_ENV = { url: 'CHAOS_DATABASE_URL', config: 'CHAOS_WORKER' } as const;

/** Sent by a worker over IPC. */
export type WorkerMessage =
  | { type: 'ready'; id: string; resolved: string }
  | { type: 'stopped'; stopMs: number };

/** Sent to a worker over IPC. */
export type HarnessMessage = { type: 'stop' };

/** Every worker retries a failed attempt after this long: lost must mean lost, not waiting out attempt⁴ s of backoff. */
export const RETRY_AFTER_MS = 1000;
