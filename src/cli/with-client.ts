import pg from 'pg';
import { Client } from '../client.js';
import { QueryFailedError, TributaryError } from '../errors.js';
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

/**
 * Runs `act` on each target in turn with one client, printing the line it returns. An error about
 * that target only (a TributaryError other than a failed query: not found, running, a duplicate
 * waiting) is printed as `errorLine` says and the others go on; anything else (the database
 * unreachable) ends the command. Exit code 1 if any target failed.
 */
export async function forEachTarget<T>(
  opts: DatabaseOptions,
  targets: readonly T[],
  act: (client: Client, target: T) => Promise<string>,
  errorLine: (error: TributaryError, target: T) => string = (error) => error.message,
): Promise<void> {
  const failed = await withClient(opts, async (client) => {
    let failures = 0;
    for (const target of targets) {
      try {
        console.log(await act(client, target));
      } catch (error) {
        if (!(error instanceof TributaryError) || error instanceof QueryFailedError) throw error;
        console.error(`tributary: ${errorLine(error, target)}`);
        failures++;
      }
    }
    return failures;
  });
  if (failed > 0) process.exitCode = 1;
}
