import { jobRowFromJson, type JobRow } from '../job-row.js';
import { jobList } from '../sql/job-list.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { encodeCursor } from './job-list-cursor.js';
import { resolveJobListParams, type JobListParams } from './job-list-params.js';

/** One page of `jobList`. */
export interface JobListResult {
  jobs: JobRow[];
  /** Pass as `cursor` for the next page; `null` on the last page. */
  nextCursor: string | null;
}

/** Lists jobs; see the client's `jobList`. */
export async function listJobs(ctx: AdminContext, params?: JobListParams): Promise<JobListResult> {
  const resolved = resolveJobListParams(ctx.schema, params);
  // One row more than asked tells whether another page exists, so the last page says so.
  const rows = await adminQuery(ctx, jobList({ ...resolved, limit: resolved.limit + 1 }));
  const page = rows.slice(0, resolved.limit);
  const jobs = page.map((row) => jobRowFromJson<Record<string, unknown>>(JSON.parse(String(row.job))));
  const last = jobs.at(-1);
  const nextCursor =
    rows.length > resolved.limit && last
      ? encodeCursor({ column: resolved.timeColumn ?? 'id', order: resolved.order, id: last.id, time: page.at(-1)!.sort_time ?? null })
      : null;
  return { jobs, nextCursor };
}
