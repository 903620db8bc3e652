import { Client } from '../client.js';
import { executeRows, type DrizzleHandle } from '../drizzle-handle.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { TributaryError, throwIfIssues } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import type { InsertOpts } from '../insert/opts.js';
import type { AnyJobDefinition, JobArgs, JobArgsInput, JobOutput } from '../job.js';
import type { JobRow } from '../job-row.js';
import { workWrapper } from '../middleware.js';
import { executeJob, LazyRunningJob, type ExecutorOptions } from '../runtime/executor.js';
import { outcomeRow, type Outcome } from '../runtime/outcome.js';
import { jobSetStateMany } from '../sql/job-set-state-many.js';
import { jobProgressSet } from '../sql/job-progress-set.js';
import type { JobProgress } from '../job-progress.js';
import type { JobState } from '../schema/job-state.js';
import type { WorkContext, Worker } from '../worker.js';
import { drizzleSql, jobGetTx, jobSetRunningTx } from './queries.js';
import { lockWorkflows, releaseWorkflows, type RunQuery } from '../workflow/release.js';
import { writeWorkflowOutcomes } from '../runtime/workflow-outcomes.js';

/** How one attempt ended, as the client's events name it. */
export type TestWorkResultKind = 'completed' | 'retryable' | 'discarded' | 'cancelled' | 'snoozed';

/** What {@link TestWorker.work} returns. */
export interface TestWorkResult<Args, Output = unknown> {
  /** How the attempt ended. A failure whose retry is already due (the job is `available`) is `retryable`. */
  result: TestWorkResultKind;
  /** The job as stored after the attempt, in the caller's transaction. */
  job: JobRow<Args, Output>;
  /** What the worker returned; undefined unless it returned. (As validated and stored: `job.output`.) */
  output?: unknown;
  /** What ended the attempt when it did not complete: the worker's error (non-Errors wrapped), a `JobTimeoutError`, `JobCancelError` or `JobSnoozeError`. */
  error?: Error;
  /**
   * Every value the worker passed to `ctx.progress()`, in order (`[]` if none). Writes are
   * throttled as in the client, so `job.metadata.progress` holds the last.
   */
  progress: JobProgress[];
}

/** Options of {@link testWorker}. */
export interface TestWorkerOptions {
  /**
   * The client whose options apply: schema, insert defaults, job timeout, retry policy, error
   * handler, middleware, logger and id; it is also the worker's `ctx.client`. It need not be
   * started. Default: `new Client({ schema })`, an insert-only client with default options.
   */
  client?: Client;
  /** The Postgres schema of the tables, when no `client` is given. Default: the `search_path`. */
  schema?: string;
}

/** Works jobs of one kind in-process, inside the caller's transaction. Made by {@link testWorker}. */
export interface TestWorker<J extends AnyJobDefinition> {
  /**
   * Inserts a job with these args through `tx` (unique options ignored unless `opts` sets them,
   * as in River, so tests can repeat args), then works it as {@link workJob} does.
   */
  work(tx: DrizzleHandle, args: JobArgsInput<J>, opts?: InsertOpts<JobArgs<J>>): Promise<TestWorkResult<JobArgs<J>, JobOutput<J>>>;
  /**
   * Works a job already inserted: marks it running for one more attempt (whatever its state, so
   * scheduled jobs run now), runs the worker through the client's executor and middleware (args
   * parsing, timeout, cancel, snooze and retry classification), and writes the outcome through
   * `tx`, just as the client would.
   */
  workJob(tx: DrizzleHandle, job: JobRow<unknown>): Promise<TestWorkResult<JobArgs<J>, JobOutput<J>>>;
}

/** The context's own fields but `progress`, read through its getters (`signal` made on use). */
function ctxWithoutProgress(ctx: WorkContext): Omit<WorkContext, 'progress' | 'signal'> & { readonly signal: AbortSignal } {
  return {
    get signal() {
      return ctx.signal;
    },
    get workflow() {
      return ctx.workflow;
    },
    client: ctx.client,
    logger: ctx.logger,
  };
}

const RESULT_OF_STATE: Partial<Record<JobState, TestWorkResultKind>> = {
  completed: 'completed',
  cancelled: 'cancelled',
  discarded: 'discarded',
  retryable: 'retryable',
};

function resultOf(outcome: Outcome): TestWorkResultKind {
  if (outcome.type === 'failed') return outcome.discard ? 'discarded' : 'retryable';
  return outcome.type;
}

/**
 * Runs a worker on one job at a time inside a test's transaction, River's `rivertest.Worker`:
 * no pool, no polling, no started client, and a rollback at the end of the test leaves nothing.
 *
 * @example
 * ```ts
 * const tw = testWorker(work(sendEmail, async (job) => mailer.send(job.args)));
 * await db.transaction(async (tx) => {
 *   const { result, job } = await tw.work(tx, { to: 'ada@example.com', subject: 'Hi' });
 *   expect(result).toBe('completed');
 *   expect(job.state).toBe('completed');
 *   tx.rollback();
 * }).catch(ignoreRollback);
 * ```
 */
export function testWorker<J extends AnyJobDefinition>(worker: Worker<J>, options: TestWorkerOptions = {}): TestWorker<J> {
  if (typeof worker?.job?.kind !== 'string' || typeof worker.work !== 'function') {
    throw new TributaryError('testWorker: expected a worker made by work(job, fn)');
  }
  throwIfIssues('testWorker', isPlainObject(options)
    ? unknownKeyIssues(options, ['client', 'schema'] satisfies (keyof TestWorkerOptions)[], 'options', 'a testWorker option')
    : [{ path: 'options', message: 'must be an object of { client?, schema? }' }]);
  if (options.client && options.schema !== undefined && options.schema !== options.client.config.schema) {
    throw new TributaryError(`testWorker: schema ${JSON.stringify(options.schema)} differs from the client's; set it on the client only`);
  }
  const client = options.client ?? new Client({ schema: options.schema });
  const { schema, logger, jobTimeout, retryPolicy, errorHandler, middleware } = client.config;
  const kind = worker.job.kind;
  const wrapWork = workWrapper(middleware);

  async function workJob(tx: DrizzleHandle, job: JobRow<unknown>): Promise<TestWorkResult<JobArgs<J>, JobOutput<J>>> {
    if (job?.kind !== kind) throw new TributaryError(`testWorker(${kind}): cannot work a job of kind ${JSON.stringify(job?.kind)}`);
    const running = await jobSetRunningTx(tx, { schema, id: job.id, clientId: client.id });
    if (!running) throw new TributaryError(`testWorker(${kind}): job ${job.id} does not exist (as seen through this handle)`);

    let output: unknown;
    const progress: JobProgress[] = [];
    // Every report kept as well, before the throttle, so a test may check each step.
    const recording = (ctx: WorkContext): WorkContext => ({
      ...ctxWithoutProgress(ctx),
      progress: (value) => {
        ctx.progress(value);
        progress.push(structuredClone(value));
      },
    });
    // The same worker, with its return value kept: the executor itself only needs the outcome.
    const capturing: Worker = { ...(worker as unknown as Worker), work: async (row, ctx) => (output = await worker.work(row as JobRow<JobArgs<J>>, recording(ctx))) };
    const executorOptions: ExecutorOptions = {
      workers: new Map<string, Worker>([[kind, capturing]]),
      client,
      logger,
      jobTimeout,
      retryPolicy,
      errorHandler,
      wrapWork,
      progress: {
        logger,
        async write(job, json) {
          await executeRows(tx, drizzleSql(jobProgressSet({ schema, id: job.id, attempt: job.attempt, json })));
        },
      },
      workflow: { run: async (q) => executeRows(tx, drizzleSql(q)), insert: { schema, defaults: client.config.insertOpts } },
    };

    const runningJob = new LazyRunningJob(running);
    const outcome = await executeJob(runningJob, executorOptions);
    // Its last progress before the outcome, as the client writes them.
    await runningJob.progress?.flush();
    // A workflow task's outcome is written as the completer writes it: under its workflow's
    // lock, with the tasks its worker added, then its dependents released, all in `tx`.
    const run: RunQuery = (q) => executeRows(tx, drizzleSql(q));
    const row = outcomeRow(running, outcome, new Date());
    if (row.workflow !== undefined) await lockWorkflows(run, schema, [row.workflow]);
    const written = await writeWorkflowOutcomes(run, schema, { fast: undefined, other: jobSetStateMany({ schema, rows: [row] }) }, [row]);
    if (row.workflow !== undefined) await releaseWorkflows(run, schema, [row.workflow], row.tasks ? null : [row.task!]);
    const stored = (await jobGetTx(tx, { schema, id: job.id })) as JobRow<JobArgs<J>, JobOutput<J>>;
    // Not written: the worker settled the job itself in this transaction (completeTx).
    const result = written.length > 0 ? resultOf(outcome) : (RESULT_OF_STATE[stored.state] ?? resultOf(outcome));
    return {
      result,
      job: stored,
      progress,
      ...(outcome.type === 'completed' ? { output } : { error: outcome.error }),
    };
  }

  return {
    async work(tx, args, opts) {
      const { job } = await client.insert(tx, worker.job, args, { ...opts, uniqueOpts: opts?.uniqueOpts ?? {} });
      return workJob(tx, job as JobRow<unknown>);
    },
    workJob,
  };
}
