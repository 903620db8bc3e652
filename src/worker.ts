import { throwIfIssues, type ValidationIssue } from './errors.js';
import type { AnyJobDefinition, JobArgs, JobOutputInput } from './job.js';
import type { WorkflowContext } from './workflow/context.js';
import type { JobRow } from './job-row.js';
import type { Logger } from './logger.js';
import type { WorkerClient } from './worker-client.js';
import { MAX_MAX_ATTEMPTS } from './insert/opts.js';
import { unknownKeyIssues } from './did-you-mean.js';
import { isPlainObject } from './json-value.js';
import type { JobProgress } from './job-progress.js';

/** What a worker receives beside its job. */
export interface WorkContext {
  /** Aborted on timeout, on `stopAndCancel()`, and when the job is cancelled while it runs. */
  signal: AbortSignal;
  /** The client running the job, to insert follow-up jobs or complete in a transaction. */
  client: WorkerClient;
  logger: Logger;
  /**
   * Reports how far the job got: a number from 0 to 100, or a JSON object (`{ done: 3, of: 10 }`).
   * Stored in `metadata.progress`, written at most every 250 ms however often it is called (the
   * first report at once, the last one always, before the job's outcome), and emitted as a
   * `job_progress` event by the client running it once written.
   * @throws ValidationError naming the bad field: NaN, a number outside 0..100, anything but a
   *   number or a plain JSON object, text Postgres cannot store, or more than 32 KiB of JSON.
   */
  progress(value: JobProgress): void;
  /**
   * The job's workflow: its id and task name, its dependencies' outputs
   * (`ctx.workflow.output(ref)`), and `add` for tasks made while it runs. For a job in no
   * workflow, its fields are undefined and its methods throw.
   */
  workflow: WorkflowContext;
}

/**
 * The function that works one kind of job. Return to complete it; throw to fail this attempt.
 * For a job defined with an `output` schema, what it returns is that schema's input, validated
 * and stored as the job's output.
 */
export type WorkFn<J extends AnyJobDefinition> = (job: JobRow<JobArgs<J>>, ctx: WorkContext) => JobOutputInput<J> | Promise<JobOutputInput<J>>;

/** Per-worker options. */
export interface WorkerOptions<J extends AnyJobDefinition = AnyJobDefinition> {
  /** Milliseconds before the job's signal aborts and the attempt fails. -1: never. Default: the client's `jobTimeout`. */
  timeout?: number;
  /**
   * Attempts before a failing job is discarded, overriding the job row's `max_attempts` when
   * deciding. Default: the row's value.
   */
  maxAttempts?: number;
  /** Milliseconds until the next attempt after a failure. Default: the client's `retryPolicy`. */
  nextRetry?: (job: JobRow<JobArgs<J>>) => number;
  /**
   * What becomes of a job whose stored args fail the job's schema (written by another client, or
   * by a deploy with another schema): `'discard'` it at once with the validation error recorded,
   * since args that fail now fail on every attempt; or `'retry'` it as any failure is, for a
   * rolling deploy whose newer workers parse args this one cannot. Default: `'discard'`.
   */
  invalidArgs?: 'discard' | 'retry';
}

/** A job definition bound to the function that works it, as given to `new Client({ workers })`. */
export interface Worker<J extends AnyJobDefinition = AnyJobDefinition> extends WorkerOptions<J> {
  readonly job: J;
  readonly work: WorkFn<J>;
}

/** A worker as an object, River's Worker interface: `work` plus its options. */
export interface WorkerObject<J extends AnyJobDefinition> extends WorkerOptions<J> {
  work: WorkFn<J>;
}

const OPTION_NAMES = ['timeout', 'maxAttempts', 'nextRetry', 'invalidArgs'] as const satisfies readonly (keyof WorkerOptions)[];
/** The fields of a {@link Worker}, as `work()` makes it. */
export const WORKER_KEYS = ['job', 'work', ...OPTION_NAMES] as const satisfies readonly (keyof Worker)[];

/**
 * Registers what works one job definition: a function (River's work-function form) or an object
 * with `work` and its options (River's Worker form). The function gets the job with its args
 * already parsed by the definition's schema.
 *
 * An unknown key in `options` is an error (`options.timout: ... did you mean "timeout"?`). A
 * worker object may hold fields of its own for its `work` method to use through `this`; only a
 * near-miss of an option's name is an error there (`worker.maxAttempt`).
 *
 * @example
 * ```ts
 * const client = new Client({
 *   pool,
 *   queues: { default: { maxWorkers: 10 } },
 *   workers: [
 *     work(sendEmail, async (job, { signal }) => mailer.send(job.args, { signal })),
 *     work(buildReport, { timeout: 300_000, nextRetry: () => 60_000, work: async (job) => build(job.args) }),
 *   ],
 * });
 * ```
 */
export function work<J extends AnyJobDefinition>(job: J, worker: WorkFn<J> | WorkerObject<J>, options: WorkerOptions<J> = {}): Worker<J> {
  const fn = typeof worker === 'function' ? worker : worker?.work;
  const issues: ValidationIssue[] = [];
  if (typeof job?.kind !== 'string') issues.push({ path: 'job', message: 'must be a job definition made by defineJob()' });
  if (typeof fn !== 'function') issues.push({ path: 'work', message: 'must be a function (job, ctx) => ... or an object with a work method' });
  if (options !== undefined && !isPlainObject(options)) issues.push({ path: 'options', message: 'must be an object of { timeout?, maxAttempts?, nextRetry?, invalidArgs? }' });
  else issues.push(...unknownKeyIssues(options ?? {}, OPTION_NAMES, 'options', 'a worker option'));
  // Its own fields are allowed (its work method may use them through `this`); near-misses of an option are not.
  if (typeof worker === 'object' && worker !== null) issues.push(...unknownKeyIssues(worker, ['work', ...OPTION_NAMES], 'worker', 'a worker field', true));
  const merged: WorkerOptions<J> = typeof worker === 'function' ? { ...options } : { ...options, ...pickOptions(worker ?? {}) };
  issues.push(...workerOptionsIssues(merged));
  throwIfIssues(`work(${JSON.stringify(job?.kind)})`, issues);
  return Object.freeze({ ...merged, job, work: typeof worker === 'function' ? fn : fn.bind(worker) });
}

function pickOptions<J extends AnyJobDefinition>(worker: WorkerObject<J>): WorkerOptions<J> {
  const { timeout, maxAttempts, nextRetry, invalidArgs } = worker;
  const options: WorkerOptions<J> = {};
  if (invalidArgs !== undefined) options.invalidArgs = invalidArgs;
  if (timeout !== undefined) options.timeout = timeout;
  if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
  if (nextRetry !== undefined) options.nextRetry = nextRetry.bind(worker);
  return options;
}

/** Problems with per-worker options, or none. */
export function workerOptionsIssues(options: WorkerOptions<any>, path = ''): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const at = (key: string) => (path ? `${path}.${key}` : key);
  const { timeout, maxAttempts, nextRetry, invalidArgs } = options ?? {};
  if (invalidArgs !== undefined && invalidArgs !== 'discard' && invalidArgs !== 'retry') {
    issues.push({ path: at('invalidArgs'), message: `must be 'discard' or 'retry', got ${JSON.stringify(invalidArgs)}` });
  }
  if (timeout !== undefined && !(timeout === -1 || (Number.isInteger(timeout) && timeout > 0))) {
    issues.push({ path: at('timeout'), message: `must be a positive whole number of milliseconds, or -1 for none, got ${timeout}` });
  }
  if (maxAttempts !== undefined && !(Number.isInteger(maxAttempts) && maxAttempts >= 1 && maxAttempts <= MAX_MAX_ATTEMPTS)) {
    issues.push({ path: at('maxAttempts'), message: `must be an integer from 1 to ${MAX_MAX_ATTEMPTS}, got ${maxAttempts}` });
  }
  if (nextRetry !== undefined && typeof nextRetry !== 'function') issues.push({ path: at('nextRetry'), message: 'must be a function' });
  return issues;
}
