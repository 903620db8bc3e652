import type { SQL } from 'drizzle-orm';
import { TributaryError } from './errors.js';

/**
 * Any Drizzle Postgres database or transaction: node-postgres, postgres.js or PGlite, `db` or
 * the `tx` of `db.transaction(tx => ...)`. Tributary only calls its `execute`.
 */
export interface DrizzleHandle {
  execute(query: SQL): PromiseLike<unknown>;
}

/** Whether a Drizzle handle is a transaction (`tx`), not a database (`db`): only transactions have rollback(). */
export const isTransaction = (handle: DrizzleHandle): boolean => typeof (handle as { rollback?: unknown }).rollback === 'function';

/** Rows of an `execute` result: node-postgres and PGlite return `{ rows }`, postgres.js an array. */
export async function executeRows(handle: DrizzleHandle, query: SQL): Promise<Record<string, unknown>[]> {
  if (typeof handle?.execute !== 'function') {
    throw new TributaryError('expected a Drizzle database or transaction (something with .execute()), got ' + typeof handle);
  }
  const result = (await handle.execute(query)) as { rows?: unknown } | unknown[];
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  if (result && Array.isArray((result as { rows?: unknown }).rows)) return (result as { rows: Record<string, unknown>[] }).rows;
  throw new TributaryError('unexpected result from the Drizzle handle: neither an array nor { rows }');
}

/** The Postgres SQLSTATE of an error, looking through Drizzle's wrapper (`DrizzleQueryError.cause`). */
export function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return undefined;
}
