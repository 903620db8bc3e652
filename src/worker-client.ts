import type { DrizzleHandle } from './drizzle-handle.js';
import type { InsertResult } from './insert/insert-jobs.js';
import type { InsertOpts } from './insert/opts.js';
import type { AnyJobDefinition, JobArgs, JobArgsInput, JobOutput } from './job.js';
import type { JobRow } from './job-row.js';

/** One item of `insertMany`: a job definition, args of its type, and options. */
export interface InsertManyItem<J extends AnyJobDefinition = AnyJobDefinition> {
  job: J;
  args: JobArgsInput<J>;
  opts?: InsertOpts<JobArgs<J>>;
}

/**
 * What a worker, or a middleware, may do with the client running it: insert follow-up jobs and
 * complete its job inside its own transaction. `Client` is one; tests may pass their own.
 */
export interface WorkerClient {
  /** The client's id, as written into `attempted_by`. */
  readonly id: string;
  /** As `Client.insert`: one job through any Drizzle handle, validated first. */
  insert<J extends AnyJobDefinition>(tx: DrizzleHandle, job: J, args: JobArgsInput<J>, opts?: InsertOpts<JobArgs<J>>): Promise<InsertResult<JobArgs<J>, JobOutput<J>>>;
  /** As `Client.insertMany`: many jobs in one statement. */
  insertMany<const T extends readonly AnyJobDefinition[]>(
    tx: DrizzleHandle,
    items: { readonly [K in keyof T]: InsertManyItem<T[K]> },
  ): Promise<{ -readonly [K in keyof T]: InsertResult<JobArgs<T[K]>, JobOutput<T[K]>> }>;
  /** As `Client.completeTx`: completes a running job inside your transaction. */
  completeTx<Args, Output>(tx: DrizzleHandle, job: JobRow<Args, Output>): Promise<JobRow<Args, Output>>;
}
