import { query, raw, tableName, textLiteral, type Query, type Raw } from './query.js';

/** Keep this many entries of `attempted_by`, as River does. */
export const ATTEMPTED_BY_MAX = 100;

/**
 * The SET list that marks the row aliased `j` taken by `clientId` (written in as a literal):
 * running, its attempt counted, started at `clock_timestamp()`, the client appended to
 * `attempted_by` (the last {@link ATTEMPTED_BY_MAX} kept).
 */
export function takenSet(clientId: string): Raw {
  return raw(`state = 'running',
    attempt = j.attempt + 1,
    attempted_at = clock_timestamp(),
    attempted_by = (array_append(coalesce(j.attempted_by, '{}'), ${textLiteral(clientId)}::text))
      [greatest(cardinality(coalesce(j.attempted_by, '{}')) + 2 - ${ATTEMPTED_BY_MAX}, 1):]`);
}

/**
 * Locks up to `limit` available jobs of one queue, in priority, scheduled_at, id order, and
 * marks them running for this client. SKIP LOCKED lets any number of clients fetch from one
 * queue at once without ever taking the same job.
 */
export function jobGetAvailable(p: { schema: string | undefined; queue: string; limit: number; clientId: string }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`WITH locked AS (
  SELECT id FROM ${job}
  WHERE state = 'available' AND queue = ${p.queue} AND scheduled_at <= now()
  ORDER BY priority, scheduled_at, id
  LIMIT ${p.limit}
  FOR UPDATE SKIP LOCKED
)
UPDATE ${job} AS j SET
  state = 'running',
  attempt = j.attempt + 1,
  attempted_at = now(),
  attempted_by = (array_append(coalesce(j.attempted_by, '{}'), ${p.clientId}::text))
    [greatest(cardinality(coalesce(j.attempted_by, '{}')) + 2 - ${ATTEMPTED_BY_MAX}::int, 1):]
-- An array of ids, not a join: the planner hashed the CTE and scanned the whole table for it
-- (5 of 14 ms per fetch of 450 from 50,000 jobs), where this is one primary-key probe a job.
WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
RETURNING row_to_json(j)::text AS job`;
}
