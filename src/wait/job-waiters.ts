import { NotFoundError } from '../admin/admin-errors.js';
import { TributaryError } from '../errors.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import { Notifier } from '../runtime/notifier.js';
import type { PgPool } from '../sql/pg-pool.js';
import { jobGetMany, jobWaitMark } from '../sql/job-wait-mark.js';
import { FINALIZED_TOPIC } from '../sql/waiter-notify.js';
import { JobFailedError, WaitTimeoutError } from './wait-errors.js';
import type { WaitOptions } from './wait-options.js';

/** How long the LISTEN connection stays open after its last waiter, for the next one. */
const LINGER_MS = 500;
/** Most ids read by one re-check statement. */
const CHECK_BATCH = 5000;

export interface JobWaitersOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** How often every waited job is read again, in ms: the client's `waitRecheckInterval`. */
  recheckIntervalMs: number;
}

interface Waiter {
  readonly id: number;
  resolve(job: JobRow<unknown>): void;
  reject(error: unknown): void;
}

/**
 * Every `client.waitFor()` of one client: one LISTEN connection for all of them, opened with the
 * first and closed shortly after the last. A waiter marks its job; the statement that finalizes a
 * marked job announces its id, and the waiters of that id read the row (ids heard together are
 * read in one statement). What finalizes a job without announcing it (a River client, a delete,
 * an announcement sent while the connection was down) is caught by re-reading all waited jobs in
 * one statement every `recheckIntervalMs`, and at once after the connection comes back.
 */
export class JobWaiters {
  private readonly waiting = new Map<number, Set<Waiter>>();
  private notifier: Notifier | undefined;
  private listening: Promise<void> | undefined;
  private recheckTimer: NodeJS.Timeout | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;
  private readonly heard = new Set<number>();
  private checking: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly options: JobWaitersOptions) {}

  /** Number of waits under way. */
  get size(): number {
    let n = 0;
    for (const set of this.waiting.values()) n += set.size;
    return n;
  }

  /** Resolves with the job once completed; rejects once discarded, cancelled or gone, or on timeout or abort. */
  wait(id: number, options: WaitOptions): Promise<JobRow<unknown>> {
    if (this.closed) return Promise.reject(new TributaryError(`waitFor(${id}): the client is stopped`));
    const { signal, timeout } = options;
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => waiter.reject(signal!.reason);
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.remove(waiter);
      };
      const waiter: Waiter = {
        id,
        resolve: (job) => (done(), resolve(job)),
        reject: (error) => (done(), reject(error)),
      };
      this.add(waiter);
      if (timeout !== undefined) timer = setTimeout(() => waiter.reject(new WaitTimeoutError(id, timeout)), timeout);
      signal?.addEventListener('abort', onAbort, { once: true });
      // Listening first: an announcement made between the mark and the LISTEN would be lost.
      this.listen()
        .then(() => (this.waiting.get(id)?.has(waiter) ? this.mark(id) : undefined))
        .then((job) => {
          if (!this.waiting.get(id)?.has(waiter)) return; // settled meanwhile (a timeout, an abort)
          if (job) this.settle(job);
          else this.gone(id);
        })
        .catch((error: unknown) => waiter.reject(error));
    });
  }

  /** Rejects every wait under way and closes the LISTEN connection. */
  async close(): Promise<void> {
    this.closed = true;
    for (const set of [...this.waiting.values()]) {
      for (const waiter of set) waiter.reject(new TributaryError(`waitFor(${waiter.id}): the client stopped while waiting`));
    }
    await this.stopListening();
  }

  private add(waiter: Waiter): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    let set = this.waiting.get(waiter.id);
    if (!set) this.waiting.set(waiter.id, (set = new Set()));
    set.add(waiter);
    this.scheduleRecheck();
  }

  private remove(waiter: Waiter): void {
    const set = this.waiting.get(waiter.id);
    if (!set?.delete(waiter)) return;
    if (set.size > 0) return;
    this.waiting.delete(waiter.id);
    if (this.waiting.size > 0 || this.closed) return;
    clearTimeout(this.recheckTimer);
    this.recheckTimer = undefined;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      if (this.waiting.size === 0) void this.stopListening();
    }, LINGER_MS);
    this.lingerTimer.unref();
  }

  private listen(): Promise<void> {
    this.listening ??= this.startListening().catch((error: unknown) => {
      this.listening = undefined;
      throw error;
    });
    return this.listening;
  }

  private async startListening(): Promise<void> {
    const { pool, schema, logger } = this.options;
    const prefix = schema ?? String((await pool.query('SELECT current_schema() AS s')).rows[0]?.s);
    const notifier = new Notifier({
      pool,
      channels: [`${prefix}.${FINALIZED_TOPIC}`],
      logger,
      onNotification: (_channel, payload) => this.heardOf(Number(payload)),
      // Announcements sent while the connection was down are lost: read every waited job again.
      onReconnect: () => this.checkAll(),
    });
    this.notifier = notifier;
    try {
      await notifier.start();
    } catch (error) {
      await notifier.stop();
      if (this.notifier === notifier) this.notifier = undefined;
      throw new TributaryError(`waitFor(): could not LISTEN for finalized jobs: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }

  private async stopListening(): Promise<void> {
    const notifier = this.notifier;
    const listening = this.listening;
    this.notifier = undefined;
    this.listening = undefined;
    await listening?.catch(() => {});
    await notifier?.stop();
  }

  private async mark(id: number): Promise<JobRow<unknown> | undefined> {
    const { text, values } = jobWaitMark({ schema: this.options.schema, id });
    const row = (await this.options.pool.query(text, values)).rows[0];
    return row ? jobRowFromJson<unknown>(JSON.parse(String(row.job))) : undefined;
  }

  /** Settles the waiters of a finalized job; a job not finalized yet keeps them waiting. */
  private settle(job: JobRow<unknown>): void {
    const set = this.waiting.get(job.id);
    if (!set) return;
    if (job.state === 'completed') for (const waiter of [...set]) waiter.resolve(job);
    else if (job.state === 'discarded' || job.state === 'cancelled') for (const waiter of [...set]) waiter.reject(new JobFailedError(job));
  }

  private gone(id: number): void {
    for (const waiter of [...(this.waiting.get(id) ?? [])]) waiter.reject(new NotFoundError('job', id));
  }

  private heardOf(id: number): void {
    if (!this.waiting.has(id)) return; // another client's waiter, or one already settled
    this.heard.add(id);
    void this.check();
  }

  private checkAll(): void {
    for (const id of this.waiting.keys()) this.heard.add(id);
    void this.check();
  }

  /** Reads the jobs heard of, in as few statements as there are ids to read; one at a time. */
  private check(): Promise<void> {
    this.checking ??= (async () => {
      // Deferred one macrotask: announcements of one flush arrive together and are read together.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.heard.size > 0) {
        const ids = [...this.heard].slice(0, CHECK_BATCH);
        for (const id of ids) this.heard.delete(id);
        await this.read(ids);
      }
    })().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async read(ids: number[]): Promise<void> {
    const { pool, schema, logger } = this.options;
    const wanted = ids.filter((id) => this.waiting.has(id));
    if (wanted.length === 0) return;
    try {
      const { text, values } = jobGetMany({ schema, ids: wanted });
      const found = new Set<number>();
      for (const row of (await pool.query(text, values)).rows) {
        const job = jobRowFromJson<unknown>(JSON.parse(String(row.job)));
        found.add(job.id);
        this.settle(job);
      }
      for (const id of wanted) if (!found.has(id)) this.gone(id);
    } catch (error) {
      // The next re-check reads them again; a wait is never failed by a passing error.
      logger.warn(`waitFor(): could not read ${wanted.length} waited job(s); trying again in ${this.options.recheckIntervalMs} ms`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }

  private scheduleRecheck(): void {
    if (this.recheckTimer || this.closed) return;
    this.recheckTimer = setTimeout(() => {
      this.recheckTimer = undefined;
      if (this.waiting.size === 0) return;
      this.checkAll();
      this.scheduleRecheck();
    }, this.options.recheckIntervalMs);
    this.recheckTimer.unref();
  }
}
