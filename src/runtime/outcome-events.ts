import { TributaryError } from '../errors.js';
import type { ClientEventName, EventHub } from '../events.js';
import { JobCancelError } from '../job-control.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import { jobGet } from '../sql/job-get.js';
import type { JobOutcomeRow } from '../sql/job-set-state-many.js';
import type { PgPool } from '../sql/pg-pool.js';
import type { RunningJob } from './executor.js';
import { applyOutcomeRow, type Outcome } from './outcome.js';
import type { ThroughputOutcome } from './throughput-recorder.js';

/** A job running here, and the row a worker completed it with in its own transaction, if it did. */
export type RunningHere = RunningJob & { completedInTx?: JobRow<unknown> };

/** An attempt's outcome on its way to the database, with what its event needs once it is there. */
export interface StoredAttempt {
  readonly row: JobOutcomeRow;
  readonly running: RunningHere;
  readonly outcome: Outcome;
  readonly startedAt: number;
  readonly finishedAt: number;
}

const EVENT_OF: Record<Outcome['type'], ClientEventName> = {
  completed: 'job_completed',
  failed: 'job_failed',
  cancelled: 'job_cancelled',
  snoozed: 'job_snoozed',
};

export interface OutcomeEventsOptions {
  events: EventHub;
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
  /** Wakes a queue's producer: a retry due at once went straight back to available. */
  wake: (queue: string) => void;
  /** Counts an attempt's outcome for the dashboard, once it is stored. */
  count: (queue: string, outcome: ThroughputOutcome) => void;
}

/**
 * Turns what the completer stored into the client's events: the outcome as it is in the
 * database (a cancel request that won, a row Postgres refused and the completer rewrote), with
 * the attempt's timings; and a job completed in the worker's own transaction, once its commit
 * is seen.
 */
export class OutcomeEvents {
  constructor(private readonly options: OutcomeEventsOptions) {}

  stored(attempt: StoredAttempt, written: boolean, cancelled: boolean, storedRow: JobOutcomeRow): void {
    const { events, wake, count } = this.options;
    const { running, startedAt, finishedAt } = attempt;
    let { outcome } = attempt;
    let row = storedRow;
    // Postgres refused the outcome as it was, and the completer discarded the job instead.
    if (row.state === 'discarded' && outcome.type !== 'failed') outcome = { type: 'failed', error: new TributaryError(String(row.error?.error)), retryInMs: 0, discard: true };
    if (cancelled) {
      // A cancel asked for while the job ran (its notification may never have reached us) won.
      row = { ...row, state: 'cancelled', finalized_at: new Date().toISOString(), scheduled_at: null, snoozed: false };
      outcome = { type: 'cancelled', error: new JobCancelError('job cancelled while running (cancel_attempted_at)') };
    }
    const queueWaitMs = Math.max(0, startedAt - running.job.scheduledAt.getTime());
    const runDurationMs = finishedAt - startedAt;
    if (written) {
      if (outcome.type === 'completed') count(running.job.queue, 'completed');
      else if (outcome.type === 'failed') {
        count(running.job.queue, 'failed');
        if (row.state === 'discarded') count(running.job.queue, 'discarded');
      }
      const event = EVENT_OF[outcome.type];
      // Building the stored row and the payload is most of an event's cost: only for listeners.
      if (events.has(event)) {
        const error = outcome.type === 'completed' ? undefined : outcome.error;
        events.emit(event, { job: applyOutcomeRow(running.job, row), queueWaitMs, runDurationMs, error });
      }
      if (row.state === 'available') wake(running.job.queue);
    } else if (running.completedInTx) {
      this.completedInTx(running, queueWaitMs, runDurationMs);
    }
  }

  /**
   * completeTx ran, and the row is no longer running: if its transaction committed, that is the
   * outcome. Reads the row to tell a commit from a rollback followed by another change.
   */
  private completedInTx(running: RunningHere, queueWaitMs: number, runDurationMs: number): void {
    const { pool, schema, events, logger, count } = this.options;
    const { text, values } = jobGet({ schema, id: running.job.id });
    pool.query(text, values).then(
      ({ rows }) => {
        const job = rows[0] ? jobRowFromJson<unknown>(JSON.parse(rows[0].job)) : undefined;
        if (job?.state === 'completed' && job.attempt === running.job.attempt) {
          count(job.queue, 'completed');
          events.emit('job_completed', { job, queueWaitMs, runDurationMs });
        }
      },
      (error: unknown) => logger.warn(`could not read job ${running.job.id} after completeTx`, { error: String(error) }),
    );
  }
}
