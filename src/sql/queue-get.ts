import { query, tableName, type Query } from './query.js';

/** One `river_queue` row by name, as `queue` (row_to_json text). */
export function queueGet(p: { schema: string | undefined; name: string }): Query {
  return query`SELECT row_to_json(q)::text AS queue FROM ${tableName(p.schema, 'river_queue')} AS q WHERE q.name = ${p.name}`;
}

/** Up to `limit` `river_queue` rows in name order, as `queue` (row_to_json text). */
export function queueList(p: { schema: string | undefined; limit: number }): Query {
  return query`SELECT row_to_json(q)::text AS queue FROM ${tableName(p.schema, 'river_queue')} AS q ORDER BY q.name LIMIT ${p.limit}`;
}
