import type { PgPoolClient } from './pg-pool.js';
import { executeInlined, statementName, type Query } from './query.js';

/** The statements prepared on each connection by {@link preparedExecute}. */
const preparedOn = new WeakMap<object, Set<string>>();

/** Postgres' "prepared statement does not exist" (someone ran DISCARD or DEALLOCATE on the session). */
export const UNDEFINED_PREPARED_STATEMENT = '26000';
const DUPLICATE_PREPARED_STATEMENT = '42P05';

/**
 * Prepares `q.text` on this connection once (a round trip of its own, the first time) and
 * returns the `EXECUTE` that runs it with `q`'s values, to send inside a text of several
 * statements. For statements whose planning costs more than their run: a workflow release is
 * planned in about 3 ms and runs in about 1. Run it where `plan_cache_mode` is
 * `force_generic_plan` (`SET LOCAL` in its transaction), or Postgres plans it again each time.
 */
export async function preparedExecute(connection: PgPoolClient, prefix: string, q: Query): Promise<string> {
  const name = statementName(prefix, q.text);
  let names = preparedOn.get(connection);
  if (names === undefined) preparedOn.set(connection, (names = new Set()));
  if (!names.has(name)) {
    try {
      await connection.query(`PREPARE ${name} AS ${q.text}`);
    } catch (error) {
      // Prepared by an earlier copy of this module on the same session: the same text, by its hash.
      if ((error as { code?: string }).code !== DUPLICATE_PREPARED_STATEMENT) throw error;
    }
    names.add(name);
  }
  return executeInlined(name, q);
}

/** Forgets what was prepared on a connection, after Postgres said a statement does not exist. */
export function forgetPrepared(connection: PgPoolClient): void {
  preparedOn.delete(connection);
}
