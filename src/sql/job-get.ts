import { query, tableName, type Query } from './query.js';

/** One job by id, as `row_to_json` text. */
export function jobGet(p: { schema: string | undefined; id: number }): Query {
  return query`SELECT row_to_json(j)::text AS job FROM ${tableName(p.schema, 'river_job')} AS j WHERE j.id = ${p.id}`;
}
