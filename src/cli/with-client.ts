import pg from 'pg';
import { Client } from '../client.js';
import { databaseUrlOf, type DatabaseOptions } from './options.js';

/**
 * Runs `action` with an insert-only client on a pool of its own for the command's database and
 * schema, then closes the pool, whatever the action did.
 */
export async function withClient<T>(opts: DatabaseOptions, action: (client: Client) => Promise<T>): Promise<T> {
  const pool = new pg.Pool({ connectionString: databaseUrlOf(opts), max: 4 });
  // A dropped idle connection would otherwise be thrown as an unhandled 'error' event; the query
  // in flight is rejected anyway.
  pool.on('error', () => {});
  try {
    return await action(new Client({ pool, schema: opts.schema }));
  } finally {
    await pool.end();
  }
}
