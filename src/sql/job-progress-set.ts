import { query, tableName, type Query } from './query.js';

/**
 * Stores a job's progress in `metadata.progress` (`json`, JSON text), for the attempt that
 * reported it only: a job rescued and fetched again since is left alone. The state is not
 * tested, so the last report still lands on a job its worker completed in its own transaction.
 * It reads the column rather than writing a value computed here, so keys written meanwhile (a
 * waiter's mark, a cancel request) are kept.
 */
export function jobProgressSet(p: { schema: string | undefined; id: number; attempt: number; json: string }): Query {
  return query`UPDATE ${tableName(p.schema, 'river_job')} AS j
SET metadata = j.metadata || jsonb_build_object('progress', ${p.json}::text::jsonb)
WHERE j.id = ${p.id} AND j.attempt = ${p.attempt}`;
}
