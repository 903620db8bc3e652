import { query, tableName, type Query } from './query.js';

/** The error recorded on a rescued job, as River words it. */
export const RESCUE_ERROR = 'stuck job rescued';

/**
 * Rescues jobs left running longer than `stuckAfterMs` (their client died or hung): they become
 * retryable after attempt^4 seconds, or discarded at their last attempt, with an error recorded.
 * At most `limit` per statement; returns how many it rescued.
 */
export function jobRescue(p: { schema: string | undefined; now: Date | null; stuckAfterMs: number; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  return query`WITH stuck AS (
  SELECT id FROM ${job}
  WHERE state = 'running' AND attempted_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.stuckAfterMs}::float8 / 1000)
  ORDER BY id
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
),
rescued AS (
  UPDATE ${job} AS j SET
    state = (CASE WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END)::text::${state},
    finalized_at = CASE WHEN j.attempt >= j.max_attempts THEN now() END,
    scheduled_at = CASE WHEN j.attempt >= j.max_attempts THEN j.scheduled_at
      ELSE now() + make_interval(secs => power(greatest(j.attempt, 1), 4)) END,
    errors = array_append(coalesce(j.errors, '{}'), jsonb_build_object(
      'at', now(), 'attempt', j.attempt, 'error', ${RESCUE_ERROR}::text, 'trace', ''))
  FROM stuck
  WHERE j.id = stuck.id
  RETURNING j.id
)
SELECT count(*)::int AS rescued FROM rescued`;
}
