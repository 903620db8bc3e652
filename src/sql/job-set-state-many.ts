import type { JobState } from '../schema/job-state.js';
import { query, raw, tableName, type Query } from './query.js';
import { idAnnouncingWaiters } from './waiter-notify.js';
import type { JobInsertRow } from './job-insert-many.js';

/** One job's outcome, as the completer writes it. */
export interface JobOutcomeRow {
  id: number;
  /** The attempt that produced it: a job rescued and fetched again since is left alone. */
  attempt: number;
  state: JobState;
  /** Set for completed, cancelled and discarded. */
  finalized_at: string | null;
  /** The next run, for retryable and snoozed jobs. */
  scheduled_at: string | null;
  /** An element for `errors`: `{at, attempt, error, trace}`. */
  error: Record<string, unknown> | null;
  /** A snooze gives the attempt back and counts in `metadata.snoozes`. */
  snoozed: boolean;
  /** For completed: the worker's output as JSON text, stored as `metadata.output`. Absent: none. */
  output?: string;
  /**
   * The job's workflow id, when it is a workflow task: its outcome is written in a transaction
   * that also releases its dependents. Not a column.
   */
  workflow?: string;
  /** The task's name in its workflow, with `workflow`: its dependents are the tasks a release looks at. Not a column. */
  task?: string;
  /**
   * With `workflow`: other tasks may wait for this one (its metadata lists dependents, or does
   * not say), so the completer writes it at once. A task nothing waits for shares the usual
   * batches. Only a hint: a release reads dependents from the row. Not a column.
   */
  waitedOn?: boolean;
  /** With `workflow`: how many tasks its row listed as waiting for it, when some. Not a column. */
  dependents?: number;
  /** For completed: tasks its worker added to its workflow, inserted in the same transaction. Not a column. */
  tasks?: JobInsertRow[];
}

/**
 * Writes many outcomes in one statement. Only rows still running the same attempt change, so a
 * job completed in the worker's own transaction (completeTx), cancelled, or rescued meanwhile
 * is never overwritten. A completed row's `output` (JSON text) goes to `metadata.output`. A job someone asked to cancel while it ran (`metadata.cancel_attempted_at`,
 * set by `jobCancel`) is cancelled rather than retried or snoozed, as River does: the request
 * wins even when the running process missed its notification. Finalized rows someone waits for
 * are announced (`client.waitFor`). Returns the id and stored state of each row that changed; returning whole rows cost a quarter of drain throughput.
 */
export function jobSetStateMany(p: { schema: string | undefined; rows: readonly JobOutcomeRow[] }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  // The cancel test is repeated in each column: a FROM item cannot refer to the updated row.
  return query`UPDATE ${job} AS j SET
  state = (CASE WHEN (u.state IN ('available', 'retryable', 'scheduled') AND j.metadata ? 'cancel_attempted_at') THEN 'cancelled' ELSE u.state END)::text::${state},
  finalized_at = CASE WHEN (u.state IN ('available', 'retryable', 'scheduled') AND j.metadata ? 'cancel_attempted_at') THEN now() ELSE u.finalized_at END,
  scheduled_at = CASE WHEN (u.state IN ('available', 'retryable', 'scheduled') AND j.metadata ? 'cancel_attempted_at') THEN j.scheduled_at ELSE coalesce(u.scheduled_at, j.scheduled_at) END,
  errors = CASE WHEN u.error IS NULL THEN j.errors ELSE array_append(coalesce(j.errors, '{}'), u.error) END,
  attempt = CASE WHEN u.snoozed AND NOT (u.state IN ('available', 'retryable', 'scheduled') AND j.metadata ? 'cancel_attempted_at') THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
  metadata = CASE WHEN u.snoozed AND NOT (u.state IN ('available', 'retryable', 'scheduled') AND j.metadata ? 'cancel_attempted_at')
    THEN j.metadata || jsonb_build_object('snoozes', coalesce((j.metadata->>'snoozes')::int, 0) + 1)
    WHEN u.output IS NOT NULL AND u.state = 'completed' THEN j.metadata || jsonb_build_object('output', u.output::jsonb)
    ELSE j.metadata END
FROM jsonb_to_recordset(${JSON.stringify(p.rows.some((r) => r.tasks) ? p.rows.map(({ tasks: _, ...r }) => r) : p.rows)}::text::jsonb) AS u(
  id bigint, attempt smallint, state text, finalized_at timestamptz, scheduled_at timestamptz, error jsonb, snoozed boolean, output text)
WHERE j.id = u.id AND j.state = 'running' AND j.attempt = u.attempt
RETURNING ${raw(idAnnouncingWaiters('j', p.schema))} AS id, j.state::text AS state`;
}
