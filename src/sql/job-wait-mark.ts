import { arrayLiteral } from './array-literal.js';
import { query, tableName, type Query } from './query.js';
import { WAIT_MARK_KEY } from './waiter-notify.js';

/**
 * Marks a job as waited for (`metadata["tributary:notify"] = true`), so the statement that
 * finalizes it announces it, and returns it (`job`, row_to_json text) as it is now, or no row
 * for an unknown id. Every row is written, finalized or not: a statement that waited for the
 * row's lock behind a finalizing one returns the finalized version, where a filter on the state
 * plus a second read would see the statement's older snapshot and wait for an announcement that
 * was already made.
 */
export function jobWaitMark(p: { schema: string | undefined; id: number }): Query {
  // A fetch meanwhile skips the row this locks (SKIP LOCKED), and a producer with nothing else
  // to do would find it only at its next poll: an available job's queue is woken again, as an
  // insert wakes it.
  return query`UPDATE ${tableName(p.schema, 'river_job')} AS j
SET metadata = j.metadata || jsonb_build_object(${WAIT_MARK_KEY}::text, true)
WHERE j.id = ${p.id}
RETURNING row_to_json(j)::text AS job, (CASE WHEN j.state = 'available' THEN pg_notify(coalesce(${p.schema ?? null}::text, current_schema()) || '.river_insert',
  json_build_object('queue', j.queue)::text) END) IS NOT NULL AS woke`;
}

/** Jobs by id (`job`, row_to_json text); ids not found have no row. */
export function jobGetMany(p: { schema: string | undefined; ids: readonly number[] }): Query {
  return query`SELECT row_to_json(j)::text AS job FROM ${tableName(p.schema, 'river_job')} AS j WHERE j.id = ANY (${arrayLiteral(p.ids)}::bigint[])`;
}
