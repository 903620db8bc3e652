import { query, tableName, type Query } from './query.js';

/** Key of `river_queue.metadata` holding the limits of the last client that started working the queue. */
export const LIMITS_KEY = 'tributary:limits';

/**
 * Records a client's limits for a queue in `river_queue.metadata` (the row exists: the producer
 * upserted it), returning what was recorded before (JSON text, or null), so the client can warn
 * when clients disagree.
 */
export function queueLimitsSet(p: { schema: string | undefined; queue: string; limits: unknown }): Query {
  const table = tableName(p.schema, 'river_queue');
  return query`UPDATE ${table} AS q SET metadata = jsonb_set(q.metadata, ${`{${LIMITS_KEY}}`}::text[], ${JSON.stringify(p.limits)}::jsonb)
FROM (SELECT name, metadata -> ${LIMITS_KEY}::text AS previous FROM ${table} WHERE name = ${p.queue}) AS o
WHERE q.name = o.name
RETURNING o.previous::text AS previous`;
}
