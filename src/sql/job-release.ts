import { query, tableName, type Query } from './query.js';

/**
 * Gives fetched jobs that never started back to their queue as they were before the fetch
 * (attempt and attempted_by), except attempted_at: a stopping client's prefetched jobs.
 */
export function jobRelease(p: { schema: string | undefined; jobs: readonly { id: number; attempt: number }[] }): Query {
  return query`UPDATE ${tableName(p.schema, 'river_job')} AS j
SET state = 'available', attempt = greatest(j.attempt - 1, 0),
  -- The fetch appended this client's id; a job given back unstarted was not attempted by it.
  attempted_by = nullif(j.attempted_by[1:cardinality(j.attempted_by) - 1], '{}')
FROM jsonb_to_recordset(${JSON.stringify(p.jobs.map(({ id, attempt }) => ({ id, attempt })))}::text::jsonb) AS r(id bigint, attempt smallint)
WHERE j.id = r.id AND j.state = 'running' AND j.attempt = r.attempt`;
}
