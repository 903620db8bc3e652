import { query, tableName, type Query } from './query.js';

/** Records that this client works `queue` (refreshing updated_at) and reads whether it is paused. */
export function queueUpsert(p: { schema: string | undefined; queue: string }): Query {
  return query`INSERT INTO ${tableName(p.schema, 'river_queue')} (name) VALUES (${p.queue})
ON CONFLICT (name) DO UPDATE SET updated_at = now()
RETURNING paused_at IS NOT NULL AS paused`;
}
