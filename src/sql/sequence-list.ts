import { HOLDING_STATES, halts, indexed, keyOf } from './sequence-promote.js';
import { query, tableName, type Query } from './query.js';

/**
 * Sequences with a job that is not completed (waiting, holding the sequence, or halting it), in
 * key order, one row each: its kind, how many jobs wait, the next one, the job holding it and
 * the job halting it. `key`: only that sequence. `after`: keys after it. `halted`: only halted
 * (true) or only not halted (false) sequences. Reads only the sequence index's jobs (completed
 * ones are not in it).
 */
export function sequenceList(p: { schema: string | undefined; key: string | null; after: string | null; kind: string | null; halted: boolean | null; limit: number }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`SELECT * FROM (
  SELECT ${keyOf('j')} AS key, min(j.kind) AS kind,
    count(*) FILTER (WHERE j.state = 'pending')::int AS pending,
    min(j.id) FILTER (WHERE j.state = 'pending')::text AS next_id,
    (array_agg(j.id::text ORDER BY j.id) FILTER (WHERE j.state IN ${HOLDING_STATES}))[1] AS current_id,
    (array_agg(j.state::text ORDER BY j.id) FILTER (WHERE j.state IN ${HOLDING_STATES}))[1] AS current_state,
    (array_agg(j.id::text ORDER BY j.id) FILTER (WHERE ${halts('j')}))[1] AS halted_by_id,
    (array_agg(j.state::text ORDER BY j.id) FILTER (WHERE ${halts('j')}))[1] AS halted_by_state
  FROM ${job} AS j
  WHERE ${indexed('j')}
    AND (${p.key}::text IS NULL OR ${keyOf('j')} = ${p.key}::text)
    AND (${p.after}::text IS NULL OR ${keyOf('j')} > ${p.after}::text)
    AND (${p.kind}::text IS NULL OR j.kind = ${p.kind}::text)
  GROUP BY ${keyOf('j')}
) AS s
WHERE (pending > 0 OR current_id IS NOT NULL OR halted_by_id IS NOT NULL)
  AND (${p.halted}::boolean IS NULL OR (halted_by_id IS NOT NULL) = ${p.halted}::boolean)
ORDER BY key
LIMIT ${p.limit}`;
}

/**
 * Resumes a halted sequence: marks each job halting it `resumed_at` (in its
 * `metadata.tributary:sequence`), so the sequence moves past it without running it again.
 * Returns the ids marked.
 */
export function sequenceResume(p: { schema: string | undefined; key: string }): Query {
  const job = tableName(p.schema, 'river_job');
  return query`UPDATE ${job} AS j
SET metadata = jsonb_set(j.metadata, '{tributary:sequence,resumed_at}', to_jsonb(now()), true)
WHERE ${keyOf('j')} = ${p.key}::text AND j.state IN ('cancelled', 'discarded') AND ${indexed('j')} AND ${halts('j')}
RETURNING j.id::text AS id`;
}
