import type { PgPool } from '../sql/pg-pool.js';
import type { Logger } from '../logger.js';
import { jobCompleteMany } from '../sql/job-complete-many.js';
import type { Query } from '../sql/query.js';
import { jobSetStateMany, type JobOutcomeRow } from '../sql/job-set-state-many.js';
import { isTransient } from '../sql/transient-error.js';
import type { ClientFaults } from './faults.js';
import { storableText } from './storable-text.js';
import { completeInWorkflows, inWorkflowTransaction, releasingTransaction } from '../workflow/release.js';
import type { JobRow } from '../job-row.js';
import type { ReleaseRoom, ReleaseTaker } from './release-take.js';
import { finishedTasksOf, workflowIdsOf, writeWorkflowOutcomes } from './workflow-outcomes.js';

/** How long a result may wait for others to share its statement. */
export const COMPLETER_FLUSH_DELAY_MS = 20;
/** Most outcomes in one statement; more results flush at once. */
export const COMPLETER_MAX_BATCH = 1000;
const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * An outcome waiting to be written. The caller's own record of the attempt, carrying whatever it
 * needs back in `onStored` (event timings, the error), so no wrapper is made per job.
 */
export interface PendingOutcome {
  readonly row: JobOutcomeRow;
}

export interface CompleterOptions<T extends PendingOutcome> {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  faults: ClientFaults;
  /**
   * Called after each flush: `written` is false when the job was no longer running that attempt;
   * `cancelled` is true when a pending cancel request turned a retry or snooze into a cancel;
   * `stored` is the row as written, which differs from `outcome.row` when Postgres refused that.
   */
  onStored: (outcome: T, written: boolean, cancelled: boolean, stored: JobOutcomeRow) => void;
  /** Called after each batch is written (or given up on). */
  onBatchWritten?: () => void;
  /** Takes the workflow tasks a flush releases for this client; without it, they are announced. */
  releases?: Pick<ReleaseTaker, 'reserve' | 'settle'>;
}

/** What became of one row of a flush. */
interface Written {
  /** The state stored, or undefined when the job was not running that attempt any more. */
  state: string | undefined;
  row: JobOutcomeRow;
}

/**
 * Writes job outcomes in batches: one UPDATE per flush, on size or after a few milliseconds.
 * A flush that fails in a way that passes (the server restarting, a lost connection) is sent
 * again with backoff until it succeeds, so no outcome is dropped. A flush Postgres refuses
 * (bad data, a trigger) is split until the refused row is alone, and that row is stored with an
 * error saying why, or discarded: one bad row never holds back the others. `stop()` returns
 * once everything is written.
 */
export class Completer<T extends PendingOutcome> {
  private pending: T[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private flushing: Promise<void> | undefined;
  private abandoned = false;
  /** Outcomes of the flush under way. */
  private inFlight = 0;
  private waitedOn = 0;

  constructor(private readonly options: CompleterOptions<T>) {}

  /** Number of outcomes not yet written. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Outcomes not yet written (in flight included) that workflow tasks wait for. */
  get waitedOnBacklog(): number {
    return this.waitedOn;
  }

  add(outcome: T): void {
    this.pending.push(outcome);
    if (outcome.row.waitedOn === true) this.waitedOn++;
    // A workflow task's dependents wait on its write: no delay (outcomes arriving during the
    // flush still share the next one).
    if (this.pending.length >= COMPLETER_MAX_BATCH || outcome.row.waitedOn === true) this.flushSoon(0);
    else this.flushSoon(COMPLETER_FLUSH_DELAY_MS);
  }

  /** Writes everything pending, including what arrives while it writes. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    this.timer = this.immediate = undefined;
    while (!this.abandoned && (this.pending.length > 0 || this.flushing)) await (this.flushing ?? this.startFlush());
  }

  /**
   * Stops retrying writes that wait for the database (a shutdown's deadline has passed): what is
   * not written by now is left, its jobs `running` until the rescuer retries them. Returns how
   * many outcomes that leaves.
   */
  abandon(): number {
    this.abandoned = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
    return this.pending.length + this.inFlight;
  }

  private flushSoon(delay: number): void {
    if (this.flushing || this.abandoned) return; // the running flush picks new outcomes up when it ends
    if (delay > 0) {
      if (this.timer || this.immediate) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.startFlush();
      }, delay);
      return;
    }
    // Not setTimeout(0), which waits a millisecond: a chain's next task waits on this flush.
    if (this.immediate) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.immediate = setImmediate(() => {
      this.immediate = undefined;
      void this.startFlush();
    });
  }

  private startFlush(): Promise<void> {
    this.flushing ??= this.flushAll().finally(() => {
      this.flushing = undefined;
      if (this.pending.length > 0) this.flushSoon(0);
    });
    return this.flushing;
  }

  private async flushAll(): Promise<void> {
    while (this.pending.length > 0 && !this.abandoned) {
      const batch = this.pending.length <= COMPLETER_MAX_BATCH ? this.pending : this.pending.splice(0, COMPLETER_MAX_BATCH);
      if (batch === this.pending) this.pending = [];
      this.inFlight = batch.length;
      // Completed jobs take the fast statement; each statement is retried on its own, so one
      // that already succeeded is never repeated (it would match nothing and lose its events).
      const completed: JobOutcomeRow[] = [];
      const others: JobOutcomeRow[] = [];
      for (const { row } of batch) (isPlainCompletion(row) ? completed : others).push(row);
      const [done, stored] = await Promise.all([this.write(completed, true), this.write(others, false)]);
      this.inFlight = 0;
      for (const outcome of batch) if (outcome.row.waitedOn === true) this.waitedOn--;
      this.options.onBatchWritten?.();
      for (const outcome of batch) {
        const { id, state } = outcome.row;
        const written = (isPlainCompletion(outcome.row) ? done : stored).get(id);
        if (!written) continue; // abandoned before it was written
        this.options.onStored(outcome, written.state !== undefined, written.state === 'cancelled' && state !== 'cancelled', written.row);
      }
    }
  }

  /**
   * Writes rows, all completed (`fast`) or not, and says what became of each: every row gets an
   * entry unless the completer is abandoned meanwhile.
   */
  private async write(rows: JobOutcomeRow[], fast: boolean): Promise<Map<number, Written>> {
    const result = new Map<number, Written>();
    if (rows.length === 0) return result;
    const error = await this.send(rows, fast, result);
    if (error === undefined) return result;
    if (rows.length > 1) {
      // Halves until the refused row is alone: about 2 log2(n) statements for one bad row in n.
      const half = Math.ceil(rows.length / 2);
      const [a, b] = await Promise.all([this.write(rows.slice(0, half), fast), this.write(rows.slice(half), fast)]);
      return new Map([...a, ...b]);
    }
    return this.writeRefused(rows[0]!, error, result);
  }

  /**
   * Sends one statement, again and again while it fails in a way that passes. Fills `result`
   * and returns undefined once it succeeded, or returns the error Postgres refused it with.
   */
  private async send(rows: JobOutcomeRow[], fast: boolean, result: Map<number, Written>): Promise<unknown> {
    // Only batches holding workflow tasks pay for a transaction: the plain path stays one statement.
    const workflows = fast ? [] : workflowIdsOf(rows);
    const room = workflows.length > 0 ? this.options.releases?.reserve() : undefined;
    let taken: JobRow<unknown>[] = [];
    try {
      return await this.sendOnce(rows, fast, result, workflows, room, (jobs) => (taken = jobs));
    } finally {
      // After the flush's own events (emitted once it returns): a dependency's job_completed
      // comes before its dependent's job_started.
      if (room) setImmediate(() => this.options.releases!.settle(room, taken));
    }
  }

  private async sendOnce(
    rows: JobOutcomeRow[], fast: boolean, result: Map<number, Written>, workflows: string[], room: ReleaseRoom | undefined, took: (jobs: JobRow<unknown>[]) => void,
  ): Promise<unknown> {
    const { schema, pool, logger, faults } = this.options;
    let run: () => Promise<Record<string, unknown>[]>;
    try {
      if (workflows.length === 0) {
        const statement = fast ? completeQuery(schema, rows) : jobSetStateMany({ schema, rows });
        run = async () => (await pool.query(statement.text, statement.values)).rows;
      } else {
        // Completions without an output take the fast statement there too.
        const done = rows.filter((row) => row.state === 'completed' && row.output === undefined);
        const rest = rows.filter((row) => !(row.state === 'completed' && row.output === undefined));
        const statements = { fast: done.length > 0 ? completeQuery(schema, done) : undefined, other: rest.length > 0 ? jobSetStateMany({ schema, rows: rest }) : undefined };
        const finished = finishedTasksOf(rows);
        const take = room?.take;
        run = statements.other === undefined && finished !== null
          ? async () => {
            const dependents = rows.reduce((n, row) => n + (row.dependents ?? 0), 0);
            const { rows: changed, taken } = await completeInWorkflows(pool, schema, workflows, statements.fast!, finished, take, dependents);
            took(taken);
            return changed;
          }
          : async () => {
            const { result: changed, taken } = await releasingTransaction(pool, schema, workflows, (runTx) => writeWorkflowOutcomes(runTx, schema, statements, rows), finished, take);
            took(taken);
            return changed;
          };
      }
    } catch (error) {
      return error; // a value that cannot even be serialized: as refused
    }
    // Never prepared: a generic plan cannot see how many ids the arrays hold, and on a big table
    // it chose to scan every 'running' index entry, dead ones included, for each flush (the drain
    // at scale fell from 23,000 to 500 jobs/s). A custom plan probes the primary key.
    for (let attempt = 0; !this.abandoned; attempt++) {
      try {
        const changed = await run();
        const states = new Map<number, string>(changed.map((r) => [Number(r.id), fast ? 'completed' : String(r.state ?? 'completed')]));
        for (const row of rows) result.set(row.id, { state: states.get(row.id), row });
        if (fast) await this.releaseGained(rows, changed);
        return undefined;
      } catch (error) {
        if (!isTransient(error)) return error;
        faults.outcomeRetries++;
        const delay = Math.min(RETRY_MIN_MS * 2 ** attempt, RETRY_MAX_MS);
        logger.warn(`completer: writing ${rows.length} job outcome(s) failed; retrying in ${delay} ms`, { error: messageOf(error) });
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return undefined;
  }

  /**
   * Releases the dependents of workflow tasks the fast statement completed as tasks nothing
   * waited for, when it said they gained some meanwhile (a worker added tasks waiting for them).
   * Normally none. A failure is left to the workflow repairer, which releases what is ready.
   */
  private async releaseGained(rows: readonly JobOutcomeRow[], changed: readonly Record<string, unknown>[]): Promise<void> {
    const gained = new Set(changed.filter((r) => r.waited_on === true).map((r) => Number(r.id)));
    if (gained.size === 0) return;
    const tasks = rows.filter((row) => gained.has(row.id) && row.workflow !== undefined);
    try {
      await inWorkflowTransaction(this.options.pool, this.options.schema, workflowIdsOf(tasks), async () => undefined, tasks.map((row) => row.task!));
    } catch (error) {
      this.options.logger.warn(`completer: releasing the dependents of ${tasks.length} workflow task(s) failed; the workflow repairer releases them`, { error: messageOf(error) });
    }
  }

  /**
   * One row Postgres refused: stored with an error saying why, in the state it was going to,
   * or if that is refused too, discarded with that error. Nothing is retried as it was.
   */
  private async writeRefused(row: JobOutcomeRow, refusal: unknown, result: Map<number, Written>): Promise<Map<number, Written>> {
    const { logger, faults } = this.options;
    const reason = `outcome could not be stored as it was: ${storableText(messageOf(refusal), 500)}`;
    const entry = { at: new Date().toISOString(), attempt: row.attempt, error: reason, trace: '' };
    const rewritten: JobOutcomeRow = { ...row, error: entry };
    const discarded: JobOutcomeRow = { ...row, state: 'discarded', finalized_at: entry.at, scheduled_at: null, snoozed: false, error: entry };
    for (const candidate of row.state === 'discarded' ? [rewritten] : [rewritten, discarded]) {
      const error = await this.send([candidate], false, result);
      if (error === undefined) {
        faults.outcomesRewritten++;
        logger.error(`completer: job ${row.id} stored as ${candidate.state} with an error: ${reason}`);
        return result;
      }
      refusal = error;
    }
    faults.outcomesUnwritable++;
    logger.error(`completer: job ${row.id} could not be stored in any form and stays running`, { error: messageOf(refusal) });
    result.set(row.id, { state: undefined, row });
    return result;
  }
}

/**
 * A completion with nothing but its state to write: the fast statement's. A workflow task
 * nothing waits for is one too: it has nothing to release, and the statement says if one gained
 * dependents meanwhile ({@link Completer}'s follow-up release).
 */
export const isPlainCompletion = (row: JobOutcomeRow): boolean =>
  row.state === 'completed' && row.output === undefined && (row.workflow === undefined || (row.waitedOn !== true && row.tasks === undefined));

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function completeQuery(schema: string | undefined, rows: JobOutcomeRow[]): Query {
  const ids: number[] = [];
  const attempts: number[] = [];
  const finalizedAt: string[] = [];
  for (const row of rows) {
    ids.push(row.id);
    attempts.push(row.attempt);
    finalizedAt.push(row.finalized_at!);
  }
  return jobCompleteMany({ schema, ids, attempts, finalizedAt });
}
