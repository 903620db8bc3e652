import type { PgPool } from '../sql/pg-pool.js';
import { connectionStringOf, explainDatabaseError, poolLookup } from '../database-error.js';
import { TributaryError } from '../errors.js';
import type { Query } from '../sql/query.js';

/** What the administration functions need: the client's pool and schema. */
export interface AdminContext {
  pool: PgPool;
  schema: string | undefined;
  /** The client method called, `jobList`, to name it in errors. Default `admin`. */
  method?: string;
}

/** The client's pool and schema, or a TributaryError naming the method when it has no pool. */
export function adminContext(config: { pool: PgPool | undefined; schema: string | undefined }, method: string): AdminContext {
  if (!config.pool) {
    throw new TributaryError(`client.${method}() needs a pool: make the client with new Client({ pool }) to administer jobs and queues`);
  }
  return { pool: config.pool, schema: config.schema, method };
}

/**
 * Runs an administration statement on the context's pool. Missing tables and an unreachable
 * database are reported with the fix (a MissingTablesError or a QueryFailedError), as everywhere.
 */
export async function adminQuery(ctx: AdminContext, statement: Query): Promise<any[]> {
  try {
    return (await ctx.pool.query(statement.text, statement.values)).rows;
  } catch (error) {
    throw await explainDatabaseError(error, {
      context: ctx.method ?? 'admin',
      schema: ctx.schema,
      lookup: poolLookup(ctx.pool),
      connectionString: connectionStringOf(ctx.pool),
    });
  }
}
