import type { LimitPartition } from '../flow/limits-config.js';
import { RATE_LOG_KEY, RATE_WINDOW_MARGIN_MS } from './job-get-limited.js';
import { partitionKeySql } from './partition-key.js';
import { LIMITS_KEY } from './queue-limits-set.js';
import { query, tableName, type Query } from './query.js';

/**
 * The queues that have recorded limits, in name order (one queue with `queue`): name, the
 * recorded limits (JSON text) and the use of the rate window per partition (JSON text of
 * `{ partition: [starts, oldest ms] }`, partitions with no start in the window left out; null
 * without a rate limit). Counted here, not sent whole: a log of a busy limit holds a timestamp
 * per start (100,000 for 1,000 a minute over 100 partitions), and its text alone took 150 ms.
 * The log is kept sorted (the fetch writes it so), so the first start in the window is the oldest.
 */
export function queueLimitsList(p: { schema: string | undefined; queue: string | undefined }): Query {
  return query`SELECT q.name, (q.metadata -> ${LIMITS_KEY}::text)::text AS limits,
  (SELECT jsonb_object_agg(e.key, jsonb_build_array(jsonb_array_length(w.starts), w.starts -> 0))
    FROM jsonb_each(q.metadata -> ${RATE_LOG_KEY}::text) AS e,
      LATERAL (SELECT jsonb_path_query_array(e.value, '$[*] ? (@ > $since)', jsonb_build_object('since', s.since)) AS starts) AS w
    WHERE jsonb_typeof(e.value) = 'array' AND jsonb_array_length(w.starts) > 0)::text AS rate_use
FROM ${tableName(p.schema, 'river_queue')} AS q,
  LATERAL (SELECT extract(epoch FROM clock_timestamp())::float8 * 1000
    - (q.metadata -> ${LIMITS_KEY}::text -> 'rateLimit' ->> 'period')::float8 - ${RATE_WINDOW_MARGIN_MS}::float8 AS since) AS s
WHERE q.metadata ? ${LIMITS_KEY}::text AND (${p.queue ?? null}::text IS NULL OR q.name = ${p.queue ?? null}::text)
ORDER BY q.name`;
}

/** Running jobs of one queue per partition (partition text and count), under `partition`. */
export function queueRunningByPartition(p: { schema: string | undefined; queue: string; partition: LimitPartition | undefined }): Query {
  return query`SELECT ${partitionKeySql(p.partition, 'j')} AS partition, count(*)::int AS running
FROM ${tableName(p.schema, 'river_job')} AS j
WHERE j.state = 'running' AND j.queue = ${p.queue}
GROUP BY 1 ORDER BY 2 DESC, 1`;
}
