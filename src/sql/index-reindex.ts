import { query, quoteIdent, raw, type Query } from './query.js';

/**
 * Lists the indexes of `river_job` (found like every other statement: in `schema`, or through
 * the `search_path`) as `schema`, `name` and `valid` (false for one left behind by an
 * interrupted `CREATE INDEX CONCURRENTLY` or `REINDEX CONCURRENTLY`).
 */
export function jobIndexList(p: { schema: string | undefined }): Query {
  const table = p.schema ? `${quoteIdent(p.schema)}.river_job` : 'river_job';
  return query`SELECT n.nspname AS schema, c.relname AS name, i.indisvalid AS valid
FROM pg_index i
JOIN pg_class c ON c.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE i.indrelid = to_regclass(${table}::text)
ORDER BY c.relname`;
}

/**
 * Rebuilds one index without blocking reads or writes of its table. Cannot run inside a
 * transaction block; if interrupted it leaves an invalid `<name>_ccnew` (or `_ccold`) index.
 */
export function indexReindexConcurrently(p: { schema: string; name: string }): Query {
  return query`REINDEX INDEX CONCURRENTLY ${raw(`${quoteIdent(p.schema)}.${quoteIdent(p.name)}`)}`;
}

/** Drops one index without blocking its table's reads or writes. Cannot run inside a transaction block. */
export function indexDropConcurrently(p: { schema: string; name: string }): Query {
  return query`DROP INDEX CONCURRENTLY IF EXISTS ${raw(`${quoteIdent(p.schema)}.${quoteIdent(p.name)}`)}`;
}
