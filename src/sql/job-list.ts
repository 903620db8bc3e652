import type { JobState } from '../schema/job-state.js';
import { query, raw, tableName, type Query } from './query.js';

/** The time column a job list can be ordered by (with id as the tie-breaker). */
export type JobListTimeColumn = 'scheduled_at' | 'attempted_at' | 'finalized_at';

// Never null for the states each is used with; attempted_at falls back for foreign running rows.
const TIME_EXPRESSION: Record<JobListTimeColumn, string> = {
  scheduled_at: 'j.scheduled_at',
  attempted_at: 'coalesce(j.attempted_at, j.scheduled_at)',
  finalized_at: 'j.finalized_at',
};

/** Parameters of {@link jobList}; a null filter does not filter. */
export interface JobListQueryParams {
  schema: string | undefined;
  ids: readonly number[] | null;
  states: readonly JobState[] | null;
  kinds: readonly string[] | null;
  queues: readonly string[] | null;
  priorities: readonly number[] | null;
  /** Jobs carrying every one of these tags. */
  tags: readonly string[] | null;
  /** JSON text of an object the metadata must contain (`@>`). */
  metadata: string | null;
  /** Order by this column then id; null orders by id alone. */
  timeColumn: JobListTimeColumn | null;
  order: 'asc' | 'desc';
  /** Only rows after this one in the order; `time` is the exact text `sort_time` gave. */
  after: { id: number; time: string | null } | null;
  limit: number;
}

/**
 * Jobs matching every given filter, in a stable order (the time column, then id), at most
 * `limit`. Each row is `job` (row_to_json text) and `sort_time`, the sort column as
 * microsecond-exact ISO text for the next page's cursor (a JS Date would lose the microseconds
 * and repeat or skip rows with equal milliseconds).
 */
export function jobList(p: JobListQueryParams): Query {
  const job = tableName(p.schema, 'river_job');
  const stateType = tableName(p.schema, 'river_job_state');
  const time = raw(p.timeColumn ? TIME_EXPRESSION[p.timeColumn] : 'NULL::timestamptz');
  const direction = p.order === 'desc' ? 'DESC' : 'ASC';
  const orderBy = raw(p.timeColumn ? `${TIME_EXPRESSION[p.timeColumn]} ${direction}, j.id ${direction}` : `j.id ${direction}`);
  const after = raw(p.order === 'desc' ? '<' : '>');
  const outerOrder = raw(p.timeColumn ? `page.sort_time ${direction}, page.id ${direction}` : `page.id ${direction}`);
  const afterId = p.after?.id ?? null;
  const afterTime = p.after?.time ?? null;
  // For finalized states, a predicate the partial (state, finalized_at) index is built with, so
  // "newest completed first" walks that index instead of sorting the whole table.
  const indexHint = raw(p.timeColumn === 'finalized_at' ? 'AND j.finalized_at IS NOT NULL' : '');
  // One state is the common case (the UI's tabs): an equality the planner can order an index
  // scan by, where `= ANY(array)` would make it sort.
  const oneState = p.states?.length === 1 ? p.states[0]! : null;
  // Each filter is "absent or matches"; node-postgres plans every statement with its values, so
  // the absent ones fold away and the present ones can use the indexes. The page is chosen on
  // (id, sort time) alone; only its rows are turned into JSON, not every row the sort looks at.
  return query`SELECT row_to_json(j)::text AS job, to_json(page.sort_time) #>> '{}' AS sort_time
FROM (
  SELECT j.id, ${time} AS sort_time
  FROM ${job} AS j
  WHERE (${p.ids}::bigint[] IS NULL OR j.id = ANY(${p.ids}::bigint[]))
    AND (${oneState}::text IS NULL OR j.state = ${oneState}::text::${stateType})
    AND (${oneState}::text IS NOT NULL OR ${p.states}::text[] IS NULL OR j.state = ANY(${p.states}::text[]::${stateType}[]))
    AND (${p.kinds}::text[] IS NULL OR j.kind = ANY(${p.kinds}::text[]))
    AND (${p.queues}::text[] IS NULL OR j.queue = ANY(${p.queues}::text[]))
    AND (${p.priorities}::smallint[] IS NULL OR j.priority = ANY(${p.priorities}::smallint[]))
    AND (${p.tags}::varchar(255)[] IS NULL OR j.tags @> ${p.tags}::varchar(255)[])
    AND (${p.metadata}::text IS NULL OR j.metadata @> ${p.metadata}::text::jsonb)
    AND (${afterId}::bigint IS NULL
      OR (${afterTime}::timestamptz IS NULL AND j.id ${after} ${afterId}::bigint)
      OR (${afterTime}::timestamptz IS NOT NULL AND (${time}, j.id) ${after} (${afterTime}::timestamptz, ${afterId}::bigint)))
    ${indexHint}
  ORDER BY ${orderBy}
  LIMIT ${p.limit}
) AS page
JOIN ${job} AS j ON j.id = page.id
ORDER BY ${outerOrder}`;
}
