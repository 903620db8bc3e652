import type { PgPool } from '../sql/pg-pool.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import type { ClientFaults } from './faults.js';
import { PrefetchSizer } from './prefetch-sizer.js';
import { FetchOrder, byFetchOrder } from './fetch-order.js';
import { jobGetAvailable } from '../sql/job-get-available.js';
import { queueUpsert } from '../sql/queue-upsert.js';
import { QUEUE_REFRESH_INTERVAL_MS } from '../maintenance/queue-cleaner.js';
import { runQuery, statementName } from '../sql/query.js';
import type { LimitedFetch } from '../flow/limited-fetch.js';

export { QUEUE_REFRESH_INTERVAL_MS };

/**
 * Refill fetches one queue may have in flight at once while there is a backlog. With one, the
 * workers ran dry while each fetch was in flight (a fetch of 250 took 10 ms, running them 6);
 * with two, a drain of no-op jobs went from about 19,000 to 27,000 jobs/s on 2 cores.
 */
export const MAX_REFILLS_IN_FLIGHT = 2;

export interface ProducerOptions {
  queue: string;
  maxWorkers: number;
  /** Jobs fetched ahead of free workers and held here, marked running; undefined adapts (see PrefetchSizer). */
  prefetch: number | undefined;
  pool: PgPool;
  /** Send the fetch as a named prepared statement: the pool takes node-postgres query configs. */
  prepared: boolean;
  schema: string | undefined;
  clientId: string;
  logger: Logger;
  fetchCooldown: number;
  fetchPollInterval: number;
  faults: ClientFaults;
  /** Runs one fetched job; resolves when its slot is free again. */
  run: (job: JobRow<unknown>) => Promise<void>;
  /** Gives back prefetched jobs that never started, when stopping. */
  release: (jobs: JobRow<unknown>[]) => Promise<void>;
  onPauseChange: (paused: boolean) => void;
  /**
   * Whether fetching waits for the completer: true while it holds many outcomes that workflow
   * tasks wait for. The runtime calls {@link resumeFetching} once it wrote some.
   */
  holdFetch?: () => boolean;
  /**
   * The fetch of a queue with concurrency or rate limits, instead of the plain one. Such a queue
   * fetches again whenever one of its jobs finishes here or is said to have finished elsewhere.
   */
  limited?: LimitedFetch;
}

/**
 * Fetches jobs for one queue and hands them to the executor, never more than `maxWorkers` at a
 * time. Woken by insert notifications and by a poll. Wake-ups during a fetch share one follow-up
 * fetch. After a notification's fetch that found nothing (another client took the job) the next
 * waits out `fetchCooldown`, which bounds wasted fetches when many clients hear the same
 * notifications, without ever delaying a fetch that finds work. While fetches come back full there is a
 * backlog, and the producer refills freed slots at once, with up to `MAX_REFILLS_IN_FLIGHT`
 * fetches at a time. A fetch takes up to `prefetch` jobs more than there are free workers, and
 * they wait here for a worker (graphile-worker's "local queue"): fewer, larger fetches. By
 * default that number adapts to the backlog and the jobs' pace (see {@link PrefetchSizer}).
 */
export class Producer {
  private running = 0;
  private readonly buffer: JobRow<unknown>[] = [];
  private readonly fetchOrder = new FetchOrder();
  private paused = false;
  private lastFetchFound = false;
  private stopping = false;
  /** Fetches in flight, and the jobs they may bring: room already claimed. */
  private fetching = 0;
  private requested = 0;
  private fetchAgain = false;
  /** A fetch was skipped by `holdFetch`: {@link resumeFetching} asks for it again. */
  private held = false;
  private backlog = false;
  private lastFetchAt = 0;
  private lastFetchEmpty = false;
  private lastFetchFailed = false;
  private notified = false;
  private cooldownTimer: NodeJS.Timeout | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  /** A rate-limited fetch's wake-up at the time its window lets the next job start. */
  private rateTimer: NodeJS.Timeout | undefined;
  private rateTimerAt = Infinity;
  private idle: (() => void)[] = [];
  private readonly prefetch: PrefetchSizer;
  /** Finished jobs whose slot is being handed over: their finish asks for no fetch. */
  private handingOver = 0;

  constructor(private readonly options: ProducerOptions) {
    this.prefetch = new PrefetchSizer(options.prefetch, options.maxWorkers);
  }

  get queue(): string {
    return this.options.queue;
  }

  get runningCount(): number {
    return this.running;
  }

  /**
   * Whether this limited producer fetches again at once when a job finishes: running, with a
   * worker free, its last fetch neither failed nor came back full (a backlog refills in batches
   * instead).
   */
  get refetchesOnFinish(): boolean {
    return !this.stopping && !this.paused && !this.lastFetchFailed && !this.backlog && this.running + this.buffer.length < this.options.maxWorkers;
  }

  /**
   * Called as a job of this queue completes here: whether its slot goes to the next job of its
   * partition in the statement that stores the completion ({@link LimitedFetch.handOver}),
   * instead of the completer's batch and a locked fetch. Only while the limit binds (the last
   * fetch was kept from available jobs by it); with a limit that does not bind, the completer's
   * batches and larger fetches cost less per job. When true, room for the
   * successor is claimed until {@link handedOver}.
   */
  beginHandOver(): boolean {
    const limited = this.options.limited;
    if (!limited?.handsOver || !limited.limitBinds || this.stopping || this.paused || this.lastFetchFailed) return false;
    this.fetching++;
    this.requested++;
    this.handingOver++;
    return true;
  }

  /** Stores a completion of this queue and takes its slot's successor (see {@link beginHandOver}). */
  handOverSlot(row: { id: number; attempt: number; finalized_at: string | null }): Promise<{ written: boolean; jobs: JobRow<unknown>[] }> {
    return this.options.limited!.handOver(row);
  }

  /** A hand-over ended, with the job it took (or none: the slot is free, and fetched for). */
  handedOver(jobs: JobRow<unknown>[]): void {
    this.fetching--;
    this.requested--;
    if (jobs.length > 0 && (this.paused || this.stopping)) void this.options.release(jobs);
    else if (jobs.length > 0) {
      this.buffer.push(...jobs);
      this.buffer.sort(byFetchOrder);
      this.startBuffered();
    }
    if (this.stopping) return this.checkIdle();
    if (jobs.length === 0 || this.fetchAgain) void this.fetch(true);
  }

  /**
   * Room for workflow tasks a completion of this client releases, which the release takes for it
   * ({@link ReleaseTake}): the workers free now, claimed until {@link releasedTaken}. None for a
   * limited queue (its slots are counted by its own fetches), a paused or stopping one, or one
   * with a backlog: its own fetches keep the queue's order.
   */
  reserveReleased(): number {
    if (this.options.limited || this.stopping || this.paused || this.backlog || this.lastFetchFailed) return 0;
    const room = Math.max(0, this.options.maxWorkers - this.running - this.buffer.length - this.requested);
    if (room === 0) return 0;
    // As a fetch under way: a wake-up meanwhile fetches once it ends, and stop() waits for it.
    this.fetching++;
    this.requested += room;
    return room;
  }

  /** A release that had `room` of {@link reserveReleased} ended, with the tasks it took. */
  releasedTaken(room: number, jobs: JobRow<unknown>[]): void {
    this.fetching--;
    this.requested -= room;
    // Paused or stopping meanwhile: none starts, so they go back unstarted.
    if (jobs.length > 0 && (this.paused || this.stopping)) void this.options.release(jobs);
    else if (jobs.length > 0) {
      this.buffer.push(...jobs);
      this.buffer.sort(byFetchOrder);
      this.startBuffered();
    }
    if (this.stopping) this.checkIdle();
    else if (this.fetchAgain) void this.fetch();
  }

  /** Fetches, if a fetch was held back by `holdFetch`. */
  resumeFetching(): void {
    if (!this.held) return;
    this.held = false;
    this.wake();
  }

  /** Registers the queue and reads whether it is paused; fetches nothing yet. */
  async prepare(): Promise<void> {
    await this.refreshQueue();
    await this.options.limited?.prepare();
  }

  /**
   * Starts fetching: the first fetch is sent now, synchronously, so its jobs cannot run before
   * the caller's current task ends (a `start()` resolving in it is seen first).
   */
  begin(): void {
    if (this.stopping) return; // stopped while preparing
    this.pollTimer = setInterval(() => this.wake('poll'), this.options.fetchPollInterval);
    this.refreshTimer = setInterval(() => void this.refreshQueue().catch(() => {}), QUEUE_REFRESH_INTERVAL_MS);
    this.wake();
  }

  /**
   * Asks for a fetch. `notify`: an insert notification, the one trigger whose empty fetches start
   * the cooldown (polls run at their own fixed pace).
   */
  wake(trigger: 'notify' | 'poll' | 'other' = 'other'): void {
    if (trigger === 'notify') this.notified = true;
    if (this.stopping || this.paused) return;
    if (this.fetching > 0) {
      this.fetchAgain = true;
      return;
    }
    if (this.cooldownTimer) return;
    const wait = this.lastFetchEmpty ? this.lastFetchAt + this.options.fetchCooldown - Date.now() : 0;
    if (wait > 0) {
      this.cooldownTimer = setTimeout(() => {
        this.cooldownTimer = undefined;
        void this.fetch();
      }, wait);
    } else {
      void this.fetch();
    }
  }

  setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    this.options.onPauseChange(paused);
    if (!paused) this.wake();
  }

  /** Removes a prefetched job that has not started, such as one cancelled meanwhile. */
  takeBuffered(id: number): JobRow<unknown> | undefined {
    const index = this.buffer.findIndex((job) => job.id === id);
    return index < 0 ? undefined : this.buffer.splice(index, 1)[0];
  }

  /**
   * Stops fetching, gives prefetched jobs back to the queue, and resolves once no job of this
   * producer is running.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.cooldownTimer);
    clearInterval(this.pollTimer);
    clearInterval(this.refreshTimer);
    clearTimeout(this.rateTimer);
    if (this.running > 0 || this.fetching > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.releaseBuffer();
  }

  /** Gives back at once the prefetched jobs that have not started (a stop's deadline is near). */
  releaseBuffered(): Promise<void> {
    return this.releaseBuffer();
  }

  private async releaseBuffer(): Promise<void> {
    const jobs = this.buffer.splice(0);
    if (jobs.length > 0) await this.options.release(jobs);
  }

  private async refreshQueue(): Promise<void> {
    const { text, values } = queueUpsert({ schema: this.options.schema, queue: this.options.queue });
    const { rows } = await this.options.pool.query(text, values);
    this.setPaused(Boolean(rows[0]?.paused));
  }

  /** `refill`: a refill during a backlog, which may run beside other refills. */
  private async fetch(refill = false): Promise<void> {
    // One fetch at a time per queue, whatever asked for it (cooldown timer, wake-up), except refills.
    if (this.fetching > 0 && !(refill && this.fetching < MAX_REFILLS_IN_FLIGHT)) {
      this.fetchAgain = true;
      return;
    }
    const limit = this.capacity - this.running - this.buffer.length - this.requested;
    if (this.stopping || this.paused) return;
    if (this.options.holdFetch?.()) {
      // Jobs fetched now would finish behind the outcomes their workflows wait for, and push the
      // tasks those release further back.
      this.held = true;
      return;
    }
    if (limit <= 0) {
      // Woken while every slot is busy: fetch when one frees up instead of waiting for the poll.
      this.backlog = true;
      return;
    }
    this.fetching++;
    this.requested += limit;
    this.fetchAgain = false;
    const ticket = this.fetchOrder.begin();
    const byNotification = this.notified;
    this.notified = false;
    const startedAt = (this.lastFetchAt = Date.now());
    let jobs: JobRow<unknown>[] = [];
    // A limited fetch that stopped at a cap of its own, below `limit`: as full, for what follows.
    let asked = limit;
    this.lastFetchFailed = false;
    try {
      if (this.options.limited) {
        const result = await this.fetchLimited(limit);
        jobs = result.jobs;
        if (result.capped) asked = jobs.length;
      } else {
        const fetch = jobGetAvailable({ schema: this.options.schema, queue: this.options.queue, limit, clientId: this.options.clientId });
        const { rows } = await runQuery(this.options.pool, fetch, this.options.prepared ? statementName('tributary_fetch', fetch.text) : undefined);
        jobs = rows.map((r) => jobRowFromJson<unknown>(JSON.parse(r.job)));
      }
    } catch (error) {
      // The poll tries again; a Postgres restart only delays jobs.
      this.options.faults.fetchFailures++;
      this.lastFetchFailed = true;
      this.options.logger.warn(`producer ${this.options.queue}: fetch failed`, { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.fetching--;
      this.requested -= limit;
    }
    this.prefetch.fetched(asked, jobs.length, startedAt, Date.now());
    if (this.paused && jobs.length > 0) {
      // Paused while this fetch was on its way (it may have waited for a connection, and taken
      // jobs inserted after the pause): none starts after a pause, so they go back unstarted.
      void this.options.release(jobs);
      jobs = [];
    }
    this.backlog = jobs.length === asked;
    // An empty fetch right after one that found jobs is usually this client's own doing: the
    // notification arrived while the earlier fetch (a poll, say) was taking its job. That is no
    // sign of other clients racing for the same jobs, so it must not start the cooldown, which
    // would hold the next insert back for up to fetchCooldown (seen as a p99 of 80 ms).
    this.lastFetchEmpty = jobs.length === 0 && byNotification && !this.lastFetchFound;
    this.lastFetchFound = jobs.length > 0;
    const ready = this.fetchOrder.land(ticket, jobs);
    if (ready.length > 0) {
      this.buffer.push(...ready);
      this.buffer.sort(byFetchOrder);
    }
    this.startBuffered();
    if (this.stopping) this.checkIdle();
    else if (this.fetchAgain || (this.backlog && this.running + this.buffer.length + this.requested < this.capacity)) this.wake();
  }

  private async fetchLimited(limit: number): Promise<{ jobs: JobRow<unknown>[]; capped: boolean }> {
    const { jobs, rateWaitMs, capped } = await this.options.limited!.fetch(limit);
    if (rateWaitMs !== undefined) this.wakeAt(Date.now() + rateWaitMs + 1);
    return { jobs, capped: capped === true };
  }

  /** Wakes the producer at `at` (ms), unless a wake-up is set for sooner. */
  private wakeAt(at: number): void {
    if (this.rateTimer && this.rateTimerAt <= at) return;
    clearTimeout(this.rateTimer);
    this.rateTimerAt = at;
    this.rateTimer = setTimeout(() => {
      this.rateTimer = undefined;
      this.rateTimerAt = Infinity;
      this.wake();
    }, Math.max(0, at - Date.now()));
  }

  private get capacity(): number {
    return this.options.maxWorkers + this.prefetch.ahead;
  }

  // Once stopping, nothing new starts: what is still buffered is given back by stop().
  private startBuffered(): void {
    while (!this.stopping && this.running < this.options.maxWorkers && this.buffer.length > 0) {
      this.startJob(this.buffer.shift()!);
    }
  }

  private startJob(job: JobRow<unknown>): void {
    this.running++;
    this.options.run(job).then(this.jobDone, this.jobCrashed);
  }

  private readonly jobCrashed = (error: unknown): void => {
    this.options.logger.error(`producer ${this.options.queue}: running a job failed`, { error: error instanceof Error ? error.message : String(error) });
    this.jobDone();
  };

  // One function for every job, made once, rather than a closure and a .finally() per job.
  private readonly jobDone = (): void => {
    this.running--;
    this.prefetch.jobFinished();
    if (this.stopping) return this.checkIdle();
    this.startBuffered();
    if (this.handingOver > 0) {
      // Slots are alike: whichever job's finish this is, one slot is on its way to a successor.
      this.handingOver--;
      return;
    }
    // A limited queue's freed slot may be the one its waiting jobs need: ask at once, beside a
    // fetch in flight (which may have counted the job as running still); the queue's lock
    // orders the two. Once a fetch came back full the limit did not bind, and the usual
    // refill's larger batches apply.
    if (this.options.limited && !this.backlog) return void this.fetch(true);
    // With a backlog, refill once half the capacity is unclaimed: bigger batches, fewer round trips.
    if (this.backlog && this.running + this.buffer.length + this.requested <= this.capacity / 2 && this.fetching < MAX_REFILLS_IN_FLIGHT) {
      void this.fetch(true);
    }
  };

  private checkIdle(): void {
    if (this.running === 0 && this.fetching === 0) for (const resolve of this.idle.splice(0)) resolve();
  }
}
