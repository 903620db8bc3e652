import { query, tableName, type Query } from './query.js';

/**
 * Deletes up to `limit` finalized jobs whose `finalized_at` is older than their state's
 * retention, in ms (null keeps that state forever). Rows locked by another transaction (an
 * admin retry, say) are skipped, so the statement never waits and never deletes a row that
 * such a transaction is bringing back. Returns `deleted`, how many went.
 */
export function jobDeleteBefore(p: {
  schema: string | undefined;
  now: Date | null;
  completedMs: number | null;
  cancelledMs: number | null;
  discardedMs: number | null;
  limit: number;
}): Query {
  const job = tableName(p.schema, 'river_job');
  // Each arm is a range on river_job_state_and_finalized_at_index; a null retention makes its
  // arm null, so that state never matches.
  return query`WITH doomed AS (
  SELECT id FROM ${job}
  WHERE (state = 'completed' AND finalized_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.completedMs}::float8 / 1000))
     OR (state = 'cancelled' AND finalized_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.cancelledMs}::float8 / 1000))
     OR (state = 'discarded' AND finalized_at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.discardedMs}::float8 / 1000))
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
),
deleted AS (
  -- An array of ids, not a join: a join to the CTE can plan as a scan of the whole table.
  DELETE FROM ${job} WHERE id = ANY (ARRAY(SELECT id FROM doomed)) RETURNING id
)
SELECT count(*)::int AS deleted FROM deleted`;
}
