import { RATE_LOG_KEY } from './job-get-limited.js';
import { query, raw, tableName, textLiteral, type Query } from './query.js';

// A rate-limited queue's log of recent starts can hold thousands of numbers: it is Tributary's
// own bookkeeping (queueLimits summarizes it), so the rows are read without it.
const columns = raw(`q.name, q.created_at, q.metadata - ${textLiteral(RATE_LOG_KEY)} AS metadata, q.paused_at, q.updated_at`);

/** One `river_queue` row by name, as `queue` (row_to_json text), without the rate log. */
export function queueGet(p: { schema: string | undefined; name: string }): Query {
  return query`SELECT row_to_json(r)::text AS queue FROM (SELECT ${columns} FROM ${tableName(p.schema, 'river_queue')} AS q WHERE q.name = ${p.name}) AS r`;
}

/** Up to `limit` `river_queue` rows in name order, as `queue` (row_to_json text), without the rate log. */
export function queueList(p: { schema: string | undefined; limit: number }): Query {
  return query`SELECT row_to_json(r)::text AS queue FROM (SELECT ${columns} FROM ${tableName(p.schema, 'river_queue')} AS q ORDER BY q.name LIMIT ${p.limit}) AS r`;
}
