import { SEQUENCE_INDEX_PREDICATE, SEQUENCE_KEY_EXPRESSION } from '../schema/create-schema.js';
import { arrayLiteral } from './array-literal.js';
import { query, raw, tableName, type Query, type Raw } from './query.js';

/** A job's sequence key, for a table alias: the sequence index's expression. */
export const keyOf = (alias: string): Raw => raw(SEQUENCE_KEY_EXPRESSION.replace('metadata', `${alias}.metadata`));

/** The sequence index's predicate for a table alias, repeated in each query so the planner matches the partial index. */
export const indexed = (alias: string): Raw =>
  raw(SEQUENCE_INDEX_PREDICATE.replace('state', `${alias}.state`).replace('metadata', `${alias}.metadata`));

/** States in which a job holds its sequence: nothing else of its key may start. */
export const HOLDING_STATES = raw(`('available', 'scheduled', 'running', 'retryable')`);

/**
 * Whether finalized job `alias` halts its sequence: it ran (attempt > 0; a job cancelled before
 * it ever started just leaves its sequence), ended cancelled or discarded without the matching
 * continue flag, and its sequence was not resumed past it.
 */
export const halts = (alias: string): Raw =>
  raw(`(${alias}.state IN ('cancelled', 'discarded') AND ${alias}.attempt > 0
    AND NOT coalesce((${alias}.metadata -> 'tributary:sequence' ->> CASE ${alias}.state WHEN 'cancelled' THEN 'continue_on_cancelled' ELSE 'continue_on_discarded' END)::boolean, false)
    AND NOT (${alias}.metadata -> 'tributary:sequence' ? 'resumed_at'))`);

/**
 * `BEGIN`, then the one transaction-scoped advisory lock every sequence promoter of a schema
 * takes, as one simple-protocol text (one round trip; no parameters, so the schema is a quoted
 * literal). The lock is its own statement: the promoting statement that follows in the same
 * READ COMMITTED transaction then gets a snapshot taken after the previous promoter committed,
 * so it sees what that one promoted.
 */
export function sequenceBeginLocked(p: { schema: string | undefined }): string {
  const schema = p.schema === undefined ? 'current_schema()' : `'${p.schema.replaceAll("'", "''")}'`;
  return `BEGIN; SELECT pg_advisory_xact_lock(hashtextextended(${schema} || '.tributary_sequence', 0))`;
}

/**
 * Makes the head (lowest id pending) of each ready sequence available, or scheduled when its
 * time is in the future, and notifies their queues on `river_insert`. A sequence is ready when no
 * job of its key holds it (available, scheduled, running, retryable) and none halts it. `keys`:
 * only those sequences (probes by key); null: every sequence with a pending job. At most
 * `limit` jobs are promoted. Returns how many were. Run it after {@link sequenceBeginLocked}, in the
 * same transaction.
 */
export function sequencePromote(p: { schema: string | undefined; keys: readonly string[] | null; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  const keys = p.keys === null ? null : arrayLiteral(p.keys);
  // Both ways in one text: the branch whose parameter does not apply is cut at planning (a
  // one-time filter on a known parameter value), so neither pays for the other.
  return query`WITH heads AS (
  (SELECT DISTINCT ON (${keyOf('j')}) ${keyOf('j')} AS key, j.id FROM ${job} AS j
    WHERE ${keys}::text::text[] IS NULL AND j.state = 'pending' AND ${indexed('j')} ORDER BY ${keyOf('j')}, j.id)
  UNION ALL
  SELECT k.key, h.id FROM unnest(${keys}::text::text[]) AS k(key)
    CROSS JOIN LATERAL (SELECT j.id FROM ${job} AS j WHERE ${keyOf('j')} = k.key AND j.state = 'pending' AND ${indexed('j')} ORDER BY j.id LIMIT 1) AS h
),
ready AS (
  SELECT h.id FROM heads AS h
  WHERE NOT EXISTS (SELECT 1 FROM ${job} AS a WHERE ${keyOf('a')} = h.key AND a.state IN ${HOLDING_STATES} AND ${indexed('a')})
    AND NOT EXISTS (SELECT 1 FROM ${job} AS x WHERE ${keyOf('x')} = h.key AND x.state IN ('cancelled', 'discarded') AND ${indexed('x')} AND ${halts('x')})
  LIMIT ${p.limit}
),
promoted AS (
  UPDATE ${job} AS j SET state = (CASE WHEN j.scheduled_at > now() THEN 'scheduled' ELSE 'available' END)::${tableName(p.schema, 'river_job_state')}
  FROM ready WHERE j.id = ready.id AND j.state = 'pending'
  RETURNING j.queue, j.state
),
notified AS (
  SELECT count(pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert', '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM promoted WHERE state = 'available') AS q
)
SELECT (SELECT count(*) FROM promoted)::int AS promoted, (SELECT n FROM notified)::int AS notified`;
}
