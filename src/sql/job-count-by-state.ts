import { query, tableName, type Query } from './query.js';

/**
 * Counts jobs per state, exactly up to `cap` per state: each count walks at most `cap` entries
 * of the (state, ...) fetching index, so the statement stays fast on a table of millions. A
 * state at the cap is reported with Postgres's own estimate from the column statistics
 * (`estimate`, never below `cap`), for the UI to show as approximate.
 */
export function jobCountByState(p: { schema: string | undefined; cap: number }): Query {
  const job = tableName(p.schema, 'river_job');
  const stateType = tableName(p.schema, 'river_job_state');
  return query`WITH stats AS (
  SELECT unnest(most_common_vals::text::text[]) AS state, unnest(most_common_freqs) AS freq
  FROM pg_stats
  WHERE schemaname = coalesce(${p.schema ?? null}::text, current_schema()) AND tablename = 'river_job' AND attname = 'state'
),
total AS (
  SELECT greatest(reltuples, 0) AS rows FROM pg_class
  WHERE oid = to_regclass(quote_ident(coalesce(${p.schema ?? null}::text, current_schema())) || '.river_job')
)
SELECT s.state::text AS state,
  c.n::int AS count,
  c.n >= ${p.cap} AS capped,
  greatest(${p.cap}, round(coalesce((SELECT freq FROM stats WHERE stats.state = s.state::text), 0) * (SELECT rows FROM total)))::bigint AS estimate
FROM unnest(enum_range(NULL::${stateType})) AS s(state)
CROSS JOIN LATERAL (SELECT count(*) AS n FROM (SELECT 1 FROM ${job} j WHERE j.state = s.state LIMIT ${p.cap}) AS capped) AS c`;
}
