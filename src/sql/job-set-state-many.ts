import type { JobState } from '../schema/job-state.js';
import { query, tableName, type Query } from './query.js';

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
}

/**
 * Writes many outcomes in one statement. Only rows still running the same attempt change, so a
 * job completed in the worker's own transaction (completeTx), cancelled, or rescued meanwhile
 * is never overwritten. Returns the ids of the rows that changed; the caller knows what it wrote,
 * and returning whole rows cost a quarter of drain throughput.
 */
export function jobSetStateMany(p: { schema: string | undefined; rows: readonly JobOutcomeRow[] }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  return query`UPDATE ${job} AS j SET
  state = u.state::text::${state},
  finalized_at = u.finalized_at,
  scheduled_at = coalesce(u.scheduled_at, j.scheduled_at),
  errors = CASE WHEN u.error IS NULL THEN j.errors ELSE array_append(coalesce(j.errors, '{}'), u.error) END,
  attempt = CASE WHEN u.snoozed THEN greatest(j.attempt - 1, 0) ELSE j.attempt END,
  metadata = CASE WHEN u.snoozed
    THEN j.metadata || jsonb_build_object('snoozes', coalesce((j.metadata->>'snoozes')::int, 0) + 1)
    ELSE j.metadata END
FROM jsonb_to_recordset(${JSON.stringify(p.rows)}::text::jsonb) AS u(
  id bigint, attempt smallint, state text, finalized_at timestamptz, scheduled_at timestamptz, error jsonb, snoozed boolean)
WHERE j.id = u.id AND j.state = 'running' AND j.attempt = u.attempt
RETURNING j.id`;
}
