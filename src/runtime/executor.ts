import { TributaryError, ValidationError } from '../errors.js';
import { JobCancelError } from '../job-control.js';
import { validateArgs, validateOutput, type AnyJobDefinition } from '../job.js';
import type { InsertContext } from '../insert/insert-jobs.js';
import { workflowScope, type WorkflowScope } from '../workflow/context.js';
import type { RunQuery } from '../workflow/release.js';
import type { JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import type { WorkWrapper } from '../middleware.js';
import type { RetryPolicy } from '../retry-policy.js';
import type { WorkContext, Worker } from '../worker.js';
import type { WorkerClient } from '../worker-client.js';
import { asError, isCancel, isSnooze, type Outcome } from './outcome.js';
import { progressJson } from '../job-progress.js';
import { ProgressThrottle, type ProgressStore } from './progress-throttle.js';

/** Returned by an error handler to cancel the job instead of retrying it. */
export interface ErrorHandlerResult {
  cancel?: boolean;
}

/**
 * Called when a worker throws (anything, not only Errors) or its job is invalid. Return
 * `{ cancel: true }` to cancel the job instead of retrying it.
 */
export type ErrorHandler = (error: unknown, job: JobRow<unknown>) => ErrorHandlerResult | void | Promise<ErrorHandlerResult | void>;

/**
 * A job's stored args fail its schema. By default such a job is discarded at once, as args
 * that fail now fail on every attempt (see the `invalidArgs` worker option).
 */
export class JobArgsError extends ValidationError {
  override name = 'JobArgsError';
}

/**
 * A worker's return value fails its job's `output` schema, or cannot be stored: the attempt
 * fails with it, and is retried as any failure is.
 */
export class JobOutputError extends ValidationError {
  override name = 'JobOutputError';
}

/** A job's timeout ran out: its signal is aborted with this. */
export class JobTimeoutError extends TributaryError {
  override name = 'JobTimeoutError';
}

export interface ExecutorOptions {
  workers: ReadonlyMap<string, Worker>;
  client: WorkerClient;
  logger: Logger;
  jobTimeout: number;
  retryPolicy: RetryPolicy;
  errorHandler: ErrorHandler | undefined;
  /** The client's work middleware, or undefined for none. */
  wrapWork?: WorkWrapper | undefined;
  /** Where `ctx.progress()` writes. */
  progress: ProgressStore;
  /** Where `ctx.workflow` reads outputs and checks added tasks: the client's pool, or a test's transaction. */
  workflow: { run: RunQuery; insert: InsertContext };
}

/** A job this process is running: its abort controller, and whether a cancel was asked for. */
export interface RunningJob {
  readonly job: JobRow<unknown>;
  readonly controller: AbortController;
  cancelRequested: boolean;
  /**
   * Set by the executor when its attempt timed out while the worker's function had not
   * returned: settles once it does. Its slot stays taken until then, so `maxWorkers` holds even
   * for a function that ignores its signal.
   */
  overrun?: Promise<void>;
  /** Made by the first `ctx.progress()`; flushed before the outcome is written. */
  progress?: ProgressThrottle;
}

/**
 * A {@link RunningJob} whose abort controller is made on first use: by the worker reading its
 * signal, a timeout, a cancel or `stopAndCancel()`. Most jobs need none, and making one cost
 * a tenth of the client's time per job in a drain of no-op jobs.
 */
export class LazyRunningJob implements RunningJob {
  cancelRequested = false;
  overrun: Promise<void> | undefined;
  progress: ProgressThrottle | undefined;
  private abortController: AbortController | undefined;

  constructor(readonly job: JobRow<unknown>) {}

  get controller(): AbortController {
    return (this.abortController ??= new AbortController());
  }
}

/** A sentinel result of the timeout race. */
const TIMED_OUT = Symbol('timed out');
const COMPLETED: Outcome = Object.freeze({ type: 'completed' });

/** The job's `ctx.workflow`, made on first use: most jobs are in no workflow and never ask. */
interface ScopeHolder {
  scope?: WorkflowScope;
}

/**
 * What the worker gets beside its job; `signal` reads the controller, and `progress` and
 * `workflow` are made, only when asked for.
 */
function workContext(running: RunningJob, options: ExecutorOptions, holder: ScopeHolder): WorkContext {
  return {
    get signal() {
      return running.controller.signal;
    },
    get progress() {
      return (value: unknown) => {
        const json = progressJson(value);
        (running.progress ??= new ProgressThrottle(running.job, options.progress)).report(json, JSON.parse(json));
      };
    },
    get workflow() {
      return (holder.scope ??= workflowScope(running.job, options.workflow.run, options.workflow.insert.schema)).context;
    },
    client: options.client,
    logger: options.logger,
  };
}

/** Calls the worker; a synchronous throw becomes a rejection. */
function callWorker(worker: Worker, row: JobRow<any>, ctx: WorkContext): Promise<unknown> {
  try {
    return Promise.resolve(worker.work(row, ctx));
  } catch (error) {
    return Promise.reject(error);
  }
}

const timeoutError = (running: RunningJob, timeout: number): JobTimeoutError => {
  const error = new JobTimeoutError(`job timed out after ${timeout} ms`);
  running.controller.abort(error);
  return error;
};

/** A worker still running at its timeout: its outcome is recorded now, its slot freed when it returns. */
const overran = (work: Promise<unknown>, running: RunningJob, timeout: number, logger: Logger) => {
  const { job } = running;
  logger.warn(`job ${job.id} (${job.kind}) timed out after ${timeout} ms, and its function has not returned: its slot stays taken until it does (pass ctx.signal on to what it awaits)`);
  running.overrun = work.then(
    () => logger.warn(`job ${job.id} (${job.kind}) finished after its timeout; its outcome was already recorded`),
    () => {},
  );
};

/**
 * Runs the worker; settles as it does, or rejects with a JobTimeoutError, aborting the signal, once
 * `timeout` ms pass first. The clock starts before the worker is called, as a synchronous worker's
 * time counts too.
 */
function workWithTimeout(worker: Worker, row: JobRow<any>, ctx: WorkContext, timeout: number, running: RunningJob, logger: Logger): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let work: Promise<unknown> | undefined;
    const timer = setTimeout(() => {
      reject(timeoutError(running, timeout));
      if (work) overran(work, running, timeout, logger);
    }, timeout);
    work = callWorker(worker, row, ctx);
    work.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error: unknown) => (clearTimeout(timer), reject(error)),
    );
  });
}

async function perform(running: RunningJob, options: ExecutorOptions, holder: ScopeHolder): Promise<unknown> {
  const { job } = running;
  const worker = options.workers.get(job.kind);
  if (!worker) {
    const kinds = [...options.workers.keys()].map((k) => JSON.stringify(k)).join(', ');
    throw new TributaryError(
      `no worker for kind ${JSON.stringify(job.kind)} in this client (it works ${kinds}); retried as any failure, in case another client or deployment has one`,
    );
  }
  const parsed = await validateArgs(worker.job, job.args);
  if (parsed.issues) throw new JobArgsError(`job ${job.id} (${job.kind}) has invalid args`, parsed.issues);
  const row = { ...job, args: parsed.value } as JobRow<any>;
  const ctx = workContext(running, options, holder);
  const timeout = worker.timeout ?? options.jobTimeout;
  if (!options.wrapWork) return timeout === -1 ? callWorker(worker, row, ctx) : workWithTimeout(worker, row, ctx, timeout, running, options.logger);
  return performWrapped(running, worker, row, ctx, timeout, options.wrapWork, options.logger);
}

/** {@link perform} through the client's work middleware. */
async function performWrapped(
  running: RunningJob, worker: Worker, row: JobRow<any>, ctx: WorkContext, timeout: number, wrapWork: WorkWrapper, logger: Logger,
): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  let timedOutWith: JobTimeoutError | undefined;
  const timedOut =
    timeout === -1
      ? new Promise<never>(() => {})
      : new Promise<typeof TIMED_OUT>((resolve) => {
          timer = setTimeout(() => {
            timedOutWith = timeoutError(running, timeout);
            resolve(TIMED_OUT);
          }, timeout);
        });
  try {
    let work: Promise<unknown> | undefined;
    const runWorker = () => (work = Promise.resolve().then(() => worker.work(row, ctx)));
    // Middleware sees the timeout as a rejection of next(), and the outer race still ends the
    // attempt on time even if a middleware swallows it or hangs.
    const next = () => Promise.race([runWorker(), timedOut]).then((r) => (r === TIMED_OUT ? Promise.reject(timedOutWith) : r));
    const wrapped = wrapWork({ ...ctx, job: row }, next);
    const result = await Promise.race([wrapped, timedOut]);
    if (result === TIMED_OUT) {
      // Whatever still runs, the worker or a middleware around it, holds the slot.
      overran(Promise.allSettled([work, wrapped]), running, timeout, logger);
      wrapped.catch(() => {});
      throw timedOutWith;
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

async function classify(running: RunningJob, thrown: unknown, options: ExecutorOptions): Promise<Outcome> {
  const { job } = running;
  if (isSnooze(thrown)) return { type: 'snoozed', error: thrown };
  if (isCancel(thrown)) return { type: 'cancelled', error: thrown };
  if (running.cancelRequested) return { type: 'cancelled', error: new JobCancelError('job cancelled while running', { cause: thrown }) };
  const error = asError(thrown);
  if (options.errorHandler) {
    try {
      if ((await options.errorHandler(thrown, job))?.cancel) return { type: 'cancelled', error };
    } catch (handlerError) {
      options.logger.error('errorHandler threw', { error: asError(handlerError).message });
    }
  }
  const worker = options.workers.get(job.kind);
  const maxAttempts = worker?.maxAttempts ?? job.maxAttempts;
  if (job.attempt >= maxAttempts) return { type: 'failed', error, retryInMs: 0, discard: true };
  if (thrown instanceof JobArgsError && (worker?.invalidArgs ?? 'discard') === 'discard') return { type: 'failed', error, retryInMs: 0, discard: true };
  let retryInMs: number;
  try {
    retryInMs = (worker?.nextRetry ?? options.retryPolicy)(job as JobRow<any>);
    if (!Number.isFinite(retryInMs)) throw new TributaryError(`nextRetry returned ${retryInMs}`);
  } catch (policyError) {
    options.logger.error(`retry policy failed for job ${job.id}; using the default`, { error: asError(policyError).message });
    retryInMs = job.attempt ** 4 * 1000;
  }
  return { type: 'failed', error, retryInMs, discard: false };
}

/**
 * Runs one job to one outcome: resolve the worker, parse the args, start the timeout, perform,
 * classify what came back. Never throws: every failure is an outcome.
 */
export async function executeJob(running: RunningJob, options: ExecutorOptions): Promise<Outcome> {
  const holder: ScopeHolder = {};
  try {
    const returned = await perform(running, options, holder);
    const definition = options.workers.get(running.job.kind)!.job;
    if (!definition.output && !holder.scope?.additions) return COMPLETED;
    return await completed(running.job, definition, returned, holder.scope, options);
  } catch (thrown) {
    return classify(running, thrown, options);
  }
}

/** The completed outcome of a job with an output schema or added tasks: both checked, or thrown as the attempt's error. */
async function completed(job: JobRow<unknown>, definition: AnyJobDefinition, returned: unknown, scope: WorkflowScope | undefined, options: ExecutorOptions): Promise<Outcome> {
  const outcome: Outcome & { type: 'completed' } = { type: 'completed' };
  if (definition.output) {
    const checked = await validateOutput(definition, returned);
    if (checked.issues) throw new JobOutputError(`job ${job.id} (${job.kind}) returned an invalid output`, checked.issues);
    outcome.output = checked.json;
  }
  if (scope?.additions) outcome.tasks = await scope.additions.rows(options.workflow.run, options.workflow.insert);
  return outcome;
}
