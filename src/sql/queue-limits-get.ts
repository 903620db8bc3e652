import type { LimitPartition } from '../flow/limits-config.js';
import { RATE_LOG_KEY } from './job-get-limited.js';
import { partitionKeySql } from './partition-key.js';
import { LIMITS_KEY } from './queue-limits-set.js';
import { query, tableName, type Query } from './query.js';

/**
 * The queues that have recorded limits (JSON text each: name, the recorded limits, the rate log)
 * and the server's clock in ms, in name order; one queue with `queue`.
 */
export function queueLimitsList(p: { schema: string | undefined; queue: string | undefined }): Query {
  return query`SELECT name, (metadata -> ${LIMITS_KEY}::text)::text AS limits, (metadata -> ${RATE_LOG_KEY}::text)::text AS rate_log,
  extract(epoch FROM clock_timestamp()) * 1000 AS now_ms
FROM ${tableName(p.schema, 'river_queue')}
WHERE metadata ? ${LIMITS_KEY}::text AND (${p.queue ?? null}::text IS NULL OR name = ${p.queue ?? null}::text)
ORDER BY name`;
}

/** Running jobs of one queue per partition (partition text and count), under `partition`. */
export function queueRunningByPartition(p: { schema: string | undefined; queue: string; partition: LimitPartition | undefined }): Query {
  return query`SELECT ${partitionKeySql(p.partition, 'j')} AS partition, count(*)::int AS running
FROM ${tableName(p.schema, 'river_job')} AS j
WHERE j.state = 'running' AND j.queue = ${p.queue}
GROUP BY 1 ORDER BY 2 DESC, 1`;
}
