import type { StatementSizes } from './statement-sizes.js';

/**
 * The one shape both queues are driven through, so every phase is timed by the same code
 * (bench/phases.ts) and the two adapters hold only what differs: how to insert and how to work.
 */
export interface WorkerHooks {
  /** Called first thing in the job's handler, with the job's `i` argument. */
  onStart(i: number): void;
  /** Called once the job's completion is stored in Postgres. */
  onCompleted(): void;
}

export interface Contender {
  /** As printed in the table. */
  readonly name: string;
  /** Inserts the jobs `{ i }` for i in [from, from + count) with one call of the library's bulk insert. */
  insertBatch(from: number, count: number): Promise<void>;
  /** Inserts the job `{ i }` in its own autocommit statement; resolves once it is committed. */
  insertOne(i: number): Promise<void>;
  /** Starts the workers; resolves once they are running. */
  start(hooks: WorkerHooks): Promise<void>;
  /** Stops the workers, if started, and closes every connection. */
  close(): Promise<void>;
  /** Tributary only: the batch sizes its runtime's statements had so far. */
  readonly statementSizes?: StatementSizes;
}

/** Settings shared by both contenders. */
export interface BenchSettings {
  /** Jobs inserted in bulk, then drained. */
  jobs: number;
  /** Jobs per bulk insert call. */
  batch: number;
  /** Jobs worked at once. */
  concurrency: number;
  /** Jobs held in hand at most (graphile-worker's local queue; Tributary's maxWorkers + prefetch). */
  localQueue: number;
  /** Single inserts of the latency phase. */
  latencyJobs: number;
  /** Milliseconds between two latency inserts. */
  latencyIntervalMs: number;
}
