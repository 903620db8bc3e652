import { copyState, jobCopyData, jobCopyReserve, jobCopyStatement, reservedFrom } from '../sql/job-copy.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { statementName } from '../sql/query.js';
import type { Connection } from './direct-connection.js';
import { newJobResults, type Inserted, type InsertResult } from './insert-results.js';

/**
 * For each queue with a job that is not pending: null if one is due now (no scheduled_at), else
 * the earliest scheduled_at. The database then notifies the queues whose time has come.
 */
function notifyTimes(rows: readonly JobInsertRow[]): { queues: string[]; earliest: (string | null)[] } {
  const times = new Map<string, string | null>();
  for (const row of rows) {
    if (row.pending || times.get(row.queue) === null) continue;
    const known = times.get(row.queue);
    if (row.scheduled_at === null || known === undefined || Date.parse(row.scheduled_at) < Date.parse(known!)) times.set(row.queue, row.scheduled_at);
  }
  return { queues: [...times.keys()], earliest: [...times.values()] };
}

/**
 * Inserts rows that are not unique through `COPY FROM STDIN` on `connection`, after one
 * statement that reserves their ids and reads now(), in the transaction `connection` is in. Two
 * round trips, and Postgres neither parses nor plans an INSERT of the batch, which was most of its
 * time for large batches. Returns the results in row order, ids ascending.
 */
export async function copyJobs(connection: Connection, rows: readonly JobInsertRow[], schema: string | undefined): Promise<InsertResult[]> {
  const reserve = jobCopyReserve({ schema, count: rows.length, ...notifyTimes(rows) });
  const [row] = await connection.query(reserve, statementName('tributary_job_copy_reserve', reserve.text));
  const reserved = reservedFrom(row ?? [], rows.length);
  const states = rows.map((r) => copyState(r, reserved.nowMicros));
  const copied = connection.copyFrom(jobCopyStatement(schema), jobCopyData(rows, reserved, states));
  // Built while Postgres takes the rows in; thrown away if it rejects them.
  const results = newJobResults(rows, rows.map((r, i): Inserted => [reserved.ids[i]!, states[i]!, reserved.now, r.scheduled_at ?? reserved.now, null]));
  await copied;
  return results;
}
