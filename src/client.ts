import { checkRuntimeTables } from './database-error.js';
import { duplicateWorkerIssues, resolveClientConfig, type ClientConfig, type ResolvedClientConfig } from './client-config.js';
import { executeRows, isTransaction, type DrizzleHandle } from './drizzle-handle.js';
import { TributaryError, throwIfIssues } from './errors.js';
import { EventHub, type ClientEventName, type ClientEvents } from './events.js';
import { insertJobs, type InsertItem, type InsertResult } from './insert/insert-jobs.js';
import type { InsertOpts } from './insert/opts.js';
import type { AnyJobDefinition, JobArgs, JobArgsInput, JobOutput } from './job.js';
import { insertWrapper, type InsertWrapper } from './middleware.js';
import { jobRowFromJson, type JobRow } from './job-row.js';
import { noFaults, type ClientFaults } from './runtime/faults.js';
import { guardPool } from './runtime/pool-guard.js';
import { Runtime } from './runtime/runtime.js';
import type { InsertManyItem, WorkerClient } from './worker-client.js';
import { stopOptionIssues, type StopOptions } from './stop-options.js';
import { jobCompleteTx } from './sql/job-complete-tx.js';
import { ClientAdmin } from './client-admin.js';
import { JobWaiters } from './wait/job-waiters.js';
import { resolveWaitArgs, type WaitOptions, type WaitTarget } from './wait/wait-options.js';
import { drizzleSql } from './sql/drizzle-sql.js';
import { workflowIdOf, workflowOf } from './workflow/metadata.js';
import { lockWorkflows, releaseWorkflows, type RunQuery } from './workflow/release.js';
import { Workflow, type WorkflowOpts } from './workflow/workflow.js';

export type { InsertManyItem } from './worker-client.js';

const noWorkersMessage = (queues: string[]) =>
  queues.length === 0
    ? 'none given: add work(job, fn) for each kind this client works'
    : `the ${queues.length === 1 ? `queue ${queues[0]} has` : `queues ${queues.join(', ')} have`} no workers: add work(job, fn) for each kind`;

type Lifecycle = 'new' | 'starting' | 'started' | 'stopping' | 'stopped';

/**
 * The Tributary client: inserts jobs, and with `queues` and `workers` configured, works them
 * once started.
 *
 * @example
 * ```ts
 * const client = new Client({ pool });
 * await db.transaction(async (tx) => {
 *   const [order] = await tx.insert(orders).values({ total: 42 }).returning();
 *   await client.insert(tx, sendReceipt, { orderId: order.id });
 * });
 * ```
 */
export class Client extends ClientAdmin implements WorkerClient {
  /** The client's options, validated, with their defaults. */
  readonly config: ResolvedClientConfig;
  private readonly events: EventHub;
  private readonly wrapInsert: InsertWrapper | undefined;
  private runtime: Runtime | undefined;
  private lifecycle: Lifecycle = 'new';
  private starting: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private cancelOnStop = false;
  /** The shortest timeout a stop was asked for before the runtime existed. */
  private stopTimeout: number | undefined;
  private readonly faultCounts = noFaults();
  private readonly unguardPool: (() => void) | undefined;
  /** Every waitFor() under way, sharing one LISTEN connection; made by the first. */
  private waiters: JobWaiters | undefined;

  /** @throws ValidationError naming each bad or unknown option. */
  constructor(config: ClientConfig = {}) {
    super();
    this.config = resolveClientConfig(config);
    this.wrapInsert = insertWrapper(this.config.middleware);
    this.events = new EventHub((error, event) =>
      this.config.logger.error(`a ${event} listener threw`, { error: error instanceof Error ? error.message : String(error) }),
    );
    const { pool, logger } = this.config;
    this.unguardPool = pool && guardPool(pool, (error) => {
      this.faultCounts.connectionErrors++;
      logger.warn('a pool connection failed; its query fails and the connection is replaced', { error: error.message });
    });
  }

  /** Faults this client met and survived so far, for metrics and alerts (a copy; all zero at first). */
  get faults(): Readonly<ClientFaults> {
    return { ...this.faultCounts };
  }

  /** This client's id, as written into `attempted_by`. */
  get id(): string {
    return this.config.id;
  }

  /** Whether this client is the elected leader, the one running maintenance and periodic jobs. */
  get isLeader(): boolean {
    return this.runtime?.isLeader ?? false;
  }

  /**
   * Subscribes to an event: `job_completed`, `job_failed`, `job_cancelled`, `job_snoozed` (each
   * with the stored job and its timings), `job_progress` (a running job's progress was stored),
   * `queue_paused`, `queue_resumed`, `leader_elected` or `leader_lost`.
   * @returns a function that unsubscribes.
   * @throws ValidationError for any other name, with the closest one (`"job_complete" is not an
   *   event; did you mean "job_completed"?`), or a listener that is not a function.
   */
  on<E extends ClientEventName>(event: E, listener: (payload: ClientEvents[E]) => void): () => void {
    return this.events.on(event, listener);
  }

  /**
   * Starts working the configured queues. Resolves once every queue is listening and has sent
   * its first fetch; no job runs before, so listeners added right after `await start()` see
   * every job's events. Calling it again returns the same promise.
   * @throws ValidationError when the client cannot work: no pool, no queues, no workers, or a
   *   kind with two workers.
   */
  start(): Promise<void> {
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') {
      return Promise.reject(new TributaryError('a stopped client cannot start again; make a new Client'));
    }
    this.starting ??= this.startRuntime();
    return this.starting;
  }

  /**
   * Stops fetching, waits for running jobs to finish and writes their outcomes; jobs fetched
   * ahead and not started go back to their queue. Safe to call twice; a client never started
   * stops at once.
   *
   * Without a `timeout` it waits as long as that takes, retrying outcome writes while the
   * database is unreachable. With `timeout` (ms) it resolves within it: 5 s before the deadline
   * (half the timeout, for one under 10 s) jobs still running have their `signal` aborted, as
   * {@link stopAndCancel} does; at the deadline, jobs still running and outcomes not yet
   * written are left to the rescuer, which retries them once this client is seen stopped.
   * @throws ValidationError for a timeout that is not a number of ms >= 0.
   */
  stop(options?: StopOptions): Promise<void> {
    this.limitStop('stop', options);
    if (!this.stopping) {
      // Synchronously, so a start() or stopAndCancel() in the same tick sees the stop.
      if (this.lifecycle !== 'stopped') this.lifecycle = 'stopping';
      this.stopping = this.stopRuntime();
    }
    return this.stopping;
  }

  /**
   * Aborts every running job's `signal` (they end as failed attempts and are retried), then stops
   * as {@link stop} does; with `timeout`, resolves within it whatever is left.
   */
  stopAndCancel(options?: StopOptions): Promise<void> {
    this.limitStop('stopAndCancel', options);
    this.cancelOnStop = true;
    this.runtime?.abortRunning();
    return this.stop();
  }

  private limitStop(method: string, options: StopOptions | undefined): void {
    throwIfIssues(`${method}()`, stopOptionIssues(options));
    if (options?.timeout === undefined) return;
    this.stopTimeout = Math.min(this.stopTimeout ?? Infinity, options.timeout);
    this.runtime?.limitStop(options.timeout);
  }

  /**
   * Completes a running job inside your own Drizzle transaction, so the job's side effects and
   * its completion commit together or not at all. If the transaction rolls back, the job's
   * outcome is whatever the worker returns or throws afterwards. A workflow task's dependents
   * are released in the same transaction. It stores no output: a job whose definition has an
   * `output` schema should complete by returning.
   * @throws TributaryError when the job is not running this attempt any more.
   */
  async completeTx<Args, Output>(tx: DrizzleHandle, job: JobRow<Args, Output>): Promise<JobRow<Args, Output>> {
    const { schema } = this.config;
    const workflow = workflowIdOf(job.metadata ?? {});
    const run: RunQuery = (q) => executeRows(tx, drizzleSql(q));
    if (workflow !== undefined) await lockWorkflows(run, schema, [workflow]);
    const rows = await executeRows(tx, jobCompleteTx({ schema, id: job.id, attempt: job.attempt }));
    if (rows.length === 0) {
      throw new TributaryError(`job ${job.id} is not running attempt ${job.attempt}: it was completed, cancelled or rescued meanwhile`);
    }
    if (workflow !== undefined) await releaseWorkflows(run, schema, [workflow], [workflowOf(job.metadata)!.task]);
    const stored = jobRowFromJson<Args, Output>(JSON.parse(String(rows[0]!.job)));
    this.runtime?.completedInTx(stored as JobRow<unknown>);
    return stored;
  }

  /**
   * Waits until a job is finalized, wherever it runs (this process, another, or a Go River
   * client), woken by a notification sent when it is finalized. Resolves with the job as stored
   * once `completed`, typed as the row or insert result given (a bare id gives
   * `JobRow<unknown>`); a job already finalized settles at once.
   *
   * Waits share one LISTEN connection per client, opened by the first and closed soon after the
   * last. The job gets `metadata["tributary:notify"]`, so only jobs waited for are announced. A
   * job finalized without an announcement (by a River client) is noticed within
   * `waitRecheckInterval` (default 5 s), as is one finalized while the connection was down.
   * `stop()` rejects the waits under way.
   * @throws (rejects with) JobFailedError when the job ends `discarded` or `cancelled`, carrying
   *   the row and its last error; WaitTimeoutError after `timeout` ms; the signal's reason once
   *   `signal` aborts; NotFoundError for an unknown id, or a job deleted while waited for;
   *   ValidationError for a bad argument or a client without a pool.
   */
  waitFor<R extends JobRow<any>>(result: { readonly job: R }, options?: WaitOptions): Promise<R>;
  waitFor<R extends JobRow<any>>(job: R, options?: WaitOptions): Promise<R>;
  waitFor(id: number, options?: WaitOptions): Promise<JobRow<unknown>>;
  async waitFor(target: WaitTarget, options?: WaitOptions): Promise<JobRow<unknown>> {
    const { id, options: resolved } = resolveWaitArgs(target, options);
    const { pool, schema, logger, waitRecheckInterval } = this.config;
    if (!pool) throwIfIssues('waitFor()', [{ path: 'pool', message: 'is needed to wait for jobs: pass a node-postgres Pool to new Client()' }]);
    if (this.lifecycle === 'stopping' || this.lifecycle === 'stopped') throw new TributaryError(`waitFor(${id}): the client is stopped`);
    this.waiters ??= new JobWaiters({ pool: pool!, schema, logger, recheckIntervalMs: waitRecheckInterval });
    return this.waiters.wait(id, resolved);
  }

  private async startRuntime(): Promise<void> {
    const { pool, queues, workers } = this.config;
    const issues = [
      ...(pool ? [] : [{ path: 'pool', message: 'is needed to work jobs: pass a node-postgres Pool' }]),
      ...(queues.size > 0 ? [] : [{ path: 'queues', message: 'name at least one queue to work, such as { default: { maxWorkers: 10 } }' }]),
      ...(workers.length > 0 ? [] : [{ path: 'workers', message: noWorkersMessage([...queues.keys()]) }]),
      ...duplicateWorkerIssues(workers),
    ];
    throwIfIssues('client.start()', issues);
    this.lifecycle = 'starting';
    try {
      // Before the runtime, so that missing tables or an unreachable database fail with the fix.
      await checkRuntimeTables(pool!, this.config.schema, 'client.start()');
    } catch (error) {
      this.lifecycle = 'stopped';
      throw error;
    }
    this.runtime = new Runtime({ ...this.config, pool: pool! }, this, this.events, this.faultCounts);
    if (this.stopTimeout !== undefined) this.runtime.limitStop(this.stopTimeout);
    try {
      await this.runtime.start();
      if (this.lifecycle === 'starting') this.lifecycle = 'started';
    } catch (error) {
      await this.runtime.stop().catch(() => {});
      this.lifecycle = 'stopped';
      throw error;
    }
  }

  private async stopRuntime(): Promise<void> {
    await this.starting?.catch(() => {});
    // stopAndCancel() may have been called while the runtime was still starting.
    if (this.cancelOnStop) this.runtime?.abortRunning();
    await this.runtime?.stop();
    await this.waiters?.close();
    this.unguardPool?.();
    this.lifecycle = 'stopped';
  }

  private wakeAfterInsert(tx: DrizzleHandle, results: readonly InsertResult<unknown>[]): void {
    // Inside a transaction the jobs are not visible until commit; the notification wakes us then.
    if (this.lifecycle !== 'started' || isTransaction(tx)) return;
    this.runtime?.inserted(results);
  }

  /**
   * Inserts one job through `tx`, any Drizzle Postgres database or transaction: the job exists if
   * and only if that transaction commits. Args are validated by the job's schema first.
   *
   * @returns the stored job, or for a unique duplicate the existing job with
   *   `uniqueSkippedAsDuplicate: true` (or, replaced by `uniqueOpts.onConflict: 'replace'`, as
   *   updated, with `uniqueReplaced: true`).
   * @throws ValidationError naming the bad field (`args.to`, `opts.priority`); nothing is written.
   */
  async insert<J extends AnyJobDefinition>(
    tx: DrizzleHandle,
    job: J,
    args: JobArgsInput<J>,
    opts?: InsertOpts<JobArgs<J>>,
  ): Promise<InsertResult<JobArgs<J>, JobOutput<J>>> {
    const results = await this.insertItems(tx, [{ job, args, opts }], () => `insert ${JSON.stringify(job?.kind)}`);
    this.wakeAfterInsert(tx, results);
    return results[0] as InsertResult<JobArgs<J>, JobOutput<J>>;
  }

  /**
   * Inserts many jobs, of any kinds, in one statement and one round trip. Every item is validated
   * first; if any is invalid the error names its index and nothing is written.
   *
   * @returns one result per item, in the items' order.
   */
  async insertMany<const T extends readonly AnyJobDefinition[]>(
    tx: DrizzleHandle,
    items: { readonly [K in keyof T]: InsertManyItem<T[K]> },
  ): Promise<{ -readonly [K in keyof T]: InsertResult<JobArgs<T[K]>, JobOutput<T[K]>> }> {
    const results = await this.insertItems(tx, items as readonly InsertItem[], (i) =>
      i < 0 ? 'insertMany' : `insertMany items[${i}] (${JSON.stringify((items as readonly InsertItem[])[i]?.job?.kind)})`,
    );
    this.wakeAfterInsert(tx, results);
    return results as { -readonly [K in keyof T]: InsertResult<JobArgs<T[K]>, JobOutput<T[K]>> };
  }

  /**
   * Starts a workflow: add tasks with `wf.add(name, job, args, { deps })`, then insert them all
   * with `wf.insert(tx)`, in one statement in your transaction.
   *
   * @example
   * ```ts
   * const wf = client.workflow({ name: 'order 123' });
   * const charge = wf.add('charge', chargeCard, { orderId: 123 });
   * wf.add('ship', shipOrder, { orderId: 123 }, { deps: [charge] });
   * await db.transaction((tx) => wf.insert(tx));
   * ```
   * @throws ValidationError for bad options (an unknown key, a name that is not a string).
   */
  workflow(opts?: WorkflowOpts): Workflow {
    return new Workflow((tx, items, context) => this.insertAndWake(tx, items, context), opts);
  }

  private async insertAndWake(tx: DrizzleHandle, items: readonly InsertItem[], context: (index: number) => string): Promise<InsertResult[]> {
    const results = await this.insertItems(tx, items, context);
    this.wakeAfterInsert(tx, results);
    return results;
  }

  /** @internal Also used by periodic jobs, so their inserts pass through the insert middleware too. */
  insertItems(tx: DrizzleHandle, items: readonly InsertItem[], context: (index: number) => string): Promise<InsertResult[]> {
    const run = (list: readonly InsertItem[]) => insertJobs(tx, list, this.insertContext(), context);
    // Not an array: let insertJobs report it, before any middleware sees a malformed call.
    if (!this.wrapInsert || !Array.isArray(items)) return run(items);
    return this.wrapInsert({ items, tx, client: this }, run) as Promise<InsertResult[]>;
  }

  private insertContext() {
    return { schema: this.config.schema, defaults: this.config.insertOpts, pool: this.config.pool };
  }
}
