import { query, quoteIdent, raw, tableName, type Query } from './query.js';
import { notifyWaitersExpression } from './waiter-notify.js';

/** The error recorded on a rescued job, as River words it. */
export const RESCUE_ERROR = 'stuck job rescued';

/**
 * Rescues jobs left running longer than `stuckAfterMs` (their client died or hung): they become
 * retryable after attempt^4 seconds, or discarded at their last attempt, with an error recorded.
 * With `liveClientWindowMs`, jobs whose Tributary client is still heartbeating within that
 * window are left alone: their process is alive and still running them (a long job with no
 * timeout, such as a persistent worker), and retrying would run them twice at once. Null when
 * the tributary_client table is missing. At most `limit` per statement; returns how many.
 */
export function jobRescue(p: { schema: string | undefined; now: Date | null; stuckAfterMs: number; liveClientWindowMs: number | null; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  const clients = p.schema ? `${quoteIdent(p.schema)}.${quoteIdent('tributary_client')}` : quoteIdent('tributary_client');
  // Spliced as text (the window is a validated integer) because the clause must vanish entirely
  // when the table is missing: Postgres rejects a reference to it even in a dead branch.
  const alive = p.liveClientWindowMs === null ? raw('') : raw(`
    AND NOT EXISTS (
      SELECT 1 FROM ${clients} AS c
      WHERE c.id = j.attempted_by[array_upper(j.attempted_by, 1)] AND c.stopped_at IS NULL
        AND c.heartbeat_at >= now() - make_interval(secs => ${Math.trunc(p.liveClientWindowMs)}::float8 / 1000))`);
  return query`WITH stuck AS (
  SELECT id FROM ${job} AS j
  WHERE state = 'running' AND attempted_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.stuckAfterMs}::float8 / 1000)${alive}
  ORDER BY id
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
),
rescued AS (
  UPDATE ${job} AS j SET
    -- A job someone asked to cancel while it ran is cancelled, not retried, as River does.
    state = (CASE WHEN j.metadata ? 'cancel_attempted_at' THEN 'cancelled'
      WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE 'retryable' END)::text::${state},
    finalized_at = CASE WHEN j.metadata ? 'cancel_attempted_at' OR j.attempt >= j.max_attempts THEN now() END,
    scheduled_at = CASE WHEN j.metadata ? 'cancel_attempted_at' OR j.attempt >= j.max_attempts THEN j.scheduled_at
      ELSE now() + make_interval(secs => power(greatest(j.attempt, 1), 4)) END,
    errors = array_append(coalesce(j.errors, '{}'), jsonb_build_object(
      'at', now(), 'attempt', j.attempt, 'error', ${RESCUE_ERROR}::text, 'trace', ''))
  -- An array of ids, not a join: a join to the CTE can plan as a scan of the whole table.
  WHERE j.id = ANY (ARRAY(SELECT id FROM stuck))
  -- A job discarded or cancelled here is announced to its waiters (client.waitFor).
  RETURNING j.id, ${raw(notifyWaitersExpression('j', p.schema))} AS notified
)
SELECT count(*)::int AS rescued, count(*) FILTER (WHERE notified)::int AS waiters FROM rescued`;
}

/** The error recorded on a job whose client stopped heartbeating. */
export const ORPHAN_ERROR = 'stuck job rescued: its client stopped heartbeating';

/**
 * Rescues running jobs whose client (the last of `attempted_by`) has a `tributary_client` row
 * that is stopped or has not heartbeated for `deadAfterMs` (on a server up for at least that
 * long): that process is gone, so they run
 * again now, or are discarded at their last attempt. A rescued job keeps its `scheduled_at`, so
 * it goes back to the head of its queue rather than behind the backlog, and becomes `target`:
 * `available` at once, its queue notified; or, when that would break a unique job's uniqueness,
 * `retryable` and due, for the scheduler to sort out. Jobs of clients without a row (River's
 * own) are left to {@link jobRescue}. At most `limit`; returns how many.
 */
export function jobRescueOrphaned(p: { schema: string | undefined; now: Date | null; deadAfterMs: number; limit: number; target: 'available' | 'retryable' }): Query {
  const job = tableName(p.schema, 'river_job');
  const state = tableName(p.schema, 'river_job_state');
  const clients = tableName(p.schema, 'tributary_client');
  // A server up for less than the window proves no silent client dead: after a restart nobody
  // could heartbeat until it was back, and live clients need a moment to write again.
  return query`WITH dead AS (
  SELECT id FROM ${clients}
  WHERE stopped_at IS NOT NULL
     OR (heartbeat_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.deadAfterMs}::float8 / 1000)
         AND pg_postmaster_start_time() < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.deadAfterMs}::float8 / 1000))
),
orphaned AS (
  SELECT j.id FROM ${job} AS j JOIN dead ON dead.id = j.attempted_by[array_upper(j.attempted_by, 1)]
  WHERE j.state = 'running'
  ORDER BY j.id
  LIMIT ${p.limit}
  FOR UPDATE OF j SKIP LOCKED
),
rescued AS (
  UPDATE ${job} AS j SET
    state = (CASE WHEN j.metadata ? 'cancel_attempted_at' THEN 'cancelled'
      WHEN j.attempt >= j.max_attempts THEN 'discarded' ELSE ${p.target}::text END)::text::${state},
    finalized_at = CASE WHEN j.metadata ? 'cancel_attempted_at' OR j.attempt >= j.max_attempts THEN now() END,
    errors = array_append(coalesce(j.errors, '{}'), jsonb_build_object(
      'at', now(), 'attempt', j.attempt, 'error', ${ORPHAN_ERROR}::text, 'trace', ''))
  WHERE j.id = ANY (ARRAY(SELECT id FROM orphaned))
  RETURNING j.queue, j.state, ${raw(notifyWaitersExpression('j', p.schema))} AS waited
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert',
    '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM rescued WHERE state = 'available') AS q
)
SELECT (SELECT count(*) FROM rescued)::int AS rescued, (SELECT n FROM notified)::int AS notified, (SELECT count(*) FILTER (WHERE waited) FROM rescued)::int AS waiters`;
}
