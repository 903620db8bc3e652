import { copyState, jobCopyData, jobCopyReserve, jobCopyStatement, reservedFrom } from '../sql/job-copy.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { statementName } from '../sql/query.js';
import type { Direct } from './direct-connection.js';
import type { Inserted } from './insert-results.js';

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
 * Inserts rows that are not unique through `COPY FROM STDIN`, in one transaction with the
 * reservation of their ids: the caller's for a `tx`, one of its own for a `db`. Two round trips
 * (plus BEGIN and COMMIT for a `db`), and Postgres neither parses nor plans an INSERT of the
 * batch, which is most of its time for large batches. Returns what the database chose for each
 * row, in row order (ids ascending), or undefined when the connection cannot COPY.
 */
export function copyJobs(direct: Direct, rows: readonly JobInsertRow[], schema: string | undefined): Promise<Inserted[] | undefined> {
  return direct.withCopy(async (connection) => {
    const reserve = jobCopyReserve({ schema, count: rows.length, ...notifyTimes(rows) });
    const [row] = await connection.query(reserve, statementName('tributary_job_copy_reserve', reserve.text));
    const reserved = reservedFrom(row ?? [], rows.length);
    const states = rows.map((r) => copyState(r, reserved.nowMicros));
    await connection.copyFrom(jobCopyStatement(schema), jobCopyData(rows, reserved, states));
    return rows.map((r, i): Inserted => [reserved.ids[i]!, states[i]!, reserved.now, r.scheduled_at ?? reserved.now, null]);
  });
}
