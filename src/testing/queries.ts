import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type DrizzleHandle } from '../drizzle-handle.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import { qualified } from '../sql/identifiers.js';
import { ATTEMPTED_BY_MAX } from '../sql/job-get-available.js';

export { drizzleSql } from '../sql/drizzle-sql.js';

const rows = async (handle: DrizzleHandle, query: SQL) =>
  (await executeRows(handle, query)).map((r) => jobRowFromJson<unknown>(JSON.parse(String(r.job))));

/**
 * The status of the transaction that wrote row `j`: 'in progress' exactly when it was written by
 * the current transaction: inserted, or updated, by it or by
 * one of its subtransactions (savepoints, which Drizzle's nested transactions are).
 *
 * A row's xmin is the 32-bit id of the (sub)transaction that wrote it, and the rows inserted
 * under a savepoint carry the savepoint's id, not the top transaction's, so `xmin = top` would
 * miss them. Instead xmin is widened to a full 64-bit id next to the top transaction's (our
 * subtransactions come after it) and asked for its status: of the rows this transaction can
 * see, only its own are still 'in progress'. No id is assigned before the first write, so a
 * transaction that wrote nothing owns no row. (Limit: a row frozen more than 2^31 transactions
 * ago could be widened wrongly; a test database never gets there.)
 */
const XMIN_STATUS = sql.raw(`pg_xact_status(greatest(0, me.top
    + ((j.xmin::text::bigint - me.top + 2147483648) % 4294967296 + 4294967296) % 4294967296 - 2147483648)::text::xid8)`);

/**
 * Every job of these kinds, oldest (lowest id) first; with `ownOnly`, only those written by the
 * handle's current transaction.
 */
export function jobListByKinds(handle: DrizzleHandle, p: { schema: string | undefined; kinds: readonly string[]; ownOnly: boolean }): Promise<JobRow<unknown>[]> {
  // Kinds travel as one JSON text parameter: arrays bind differently in each driver.
  const kinds = sql`j.kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(p.kinds)}::text::jsonb))`;
  if (!p.ownOnly) return rows(handle, sql`SELECT row_to_json(j)::text AS job FROM ${qualified(p.schema, 'river_job')} AS j WHERE ${kinds} ORDER BY j.id`);
  return rows(handle, sql`WITH me AS (SELECT pg_current_xact_id_if_assigned()::text::bigint AS top)
SELECT row_to_json(j)::text AS job FROM ${qualified(p.schema, 'river_job')} AS j, me
WHERE me.top IS NOT NULL AND ${kinds} AND ${XMIN_STATUS} = 'in progress'
ORDER BY j.id`);
}

/** How many jobs of these kinds the handle sees that its transaction did not write. */
export async function jobCountNotOwn(handle: DrizzleHandle, p: { schema: string | undefined; kinds: readonly string[] }): Promise<number> {
  const [row] = await executeRows(handle, sql`WITH me AS (SELECT pg_current_xact_id_if_assigned()::text::bigint AS top)
SELECT count(*)::int AS n FROM ${qualified(p.schema, 'river_job')} AS j, me
WHERE j.kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(p.kinds)}::text::jsonb))
  AND (me.top IS NULL OR ${XMIN_STATUS} IS DISTINCT FROM 'in progress')`);
  return Number(row?.n ?? 0);
}

/** One job by id, or undefined. */
export async function jobGetTx(handle: DrizzleHandle, p: { schema: string | undefined; id: number }): Promise<JobRow<unknown> | undefined> {
  return (await rows(handle, sql`SELECT row_to_json(j)::text AS job FROM ${qualified(p.schema, 'river_job')} AS j WHERE j.id = ${p.id}`))[0];
}

/**
 * Marks a job running for one more attempt, as a fetch would, whatever its state: River's test
 * worker works scheduled and pending jobs too. Undefined when there is no such job.
 */
export async function jobSetRunningTx(handle: DrizzleHandle, p: { schema: string | undefined; id: number; clientId: string }): Promise<JobRow<unknown> | undefined> {
  const result = await rows(handle, sql`UPDATE ${qualified(p.schema, 'river_job')} AS j SET
  state = 'running',
  attempt = j.attempt + 1,
  attempted_at = now(),
  finalized_at = NULL,
  attempted_by = (array_append(coalesce(j.attempted_by, '{}'), ${p.clientId}::text))
    [greatest(cardinality(coalesce(j.attempted_by, '{}')) + 2 - ${ATTEMPTED_BY_MAX}::int, 1):]
WHERE j.id = ${p.id}
RETURNING row_to_json(j)::text AS job`);
  return result[0];
}
