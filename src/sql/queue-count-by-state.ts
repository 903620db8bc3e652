import { query, tableName, type Query } from './query.js';

/**
 * Job counts of every `river_queue` queue by state, each exact up to `cap` (`capped` when it
 * reached it): every count walks at most `cap` entries of the (state, queue, ...) fetching index,
 * so a dashboard stays fast when a queue has millions of finished jobs.
 */
export function queueCountByState(p: { schema: string | undefined; cap: number }): Query {
  const job = tableName(p.schema, 'river_job');
  const queue = tableName(p.schema, 'river_queue');
  const stateType = tableName(p.schema, 'river_job_state');
  return query`SELECT q.name AS queue, s.state::text AS state, c.n::int AS count, c.n >= ${p.cap} AS capped
FROM ${queue} AS q
CROSS JOIN unnest(enum_range(NULL::${stateType})) AS s(state)
CROSS JOIN LATERAL (
  SELECT count(*) AS n FROM (SELECT 1 FROM ${job} AS j WHERE j.state = s.state AND j.queue = q.name LIMIT ${p.cap}) AS capped
) AS c
ORDER BY q.name`;
}
