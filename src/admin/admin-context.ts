import type { PgPool } from '../client-config.js';
import { TributaryError } from '../errors.js';

/** What the administration functions need: the client's pool and schema. */
export interface AdminContext {
  pool: PgPool;
  schema: string | undefined;
}

/** The client's pool and schema, or a TributaryError naming the method when it has no pool. */
export function adminContext(config: { pool: PgPool | undefined; schema: string | undefined }, method: string): AdminContext {
  if (!config.pool) {
    throw new TributaryError(`client.${method}() needs a pool: make the client with new Client({ pool }) to administer jobs and queues`);
  }
  return { pool: config.pool, schema: config.schema };
}
