import { sql, type SQL } from 'drizzle-orm';
import { executeRows, type DrizzleHandle } from '../drizzle-handle.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import { qualified } from '../sql/identifiers.js';
import { ATTEMPTED_BY_MAX } from '../sql/job-get-available.js';
import type { Query } from '../sql/query.js';

/**
 * A runtime statement (text with `$n`, for the client's pool) as Drizzle SQL, so the testing
 * helpers run the runtime's own statements through the caller's handle and transaction.
 */
export function drizzleSql({ text, values }: Query): SQL {
  const parts = text.split(/\$(\d+)/);
  return sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`)));
}

const rows = async (handle: DrizzleHandle, query: SQL) =>
  (await executeRows(handle, query)).map((r) => jobRowFromJson<unknown>(JSON.parse(String(r.job))));

/** Every job of these kinds, oldest (lowest id) first. */
export function jobListByKinds(handle: DrizzleHandle, p: { schema: string | undefined; kinds: readonly string[] }): Promise<JobRow<unknown>[]> {
  // Kinds travel as one JSON text parameter: arrays bind differently in each driver.
  return rows(handle, sql`SELECT row_to_json(j)::text AS job FROM ${qualified(p.schema, 'river_job')} AS j
WHERE j.kind IN (SELECT jsonb_array_elements_text(${JSON.stringify(p.kinds)}::text::jsonb))
ORDER BY j.id`);
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
