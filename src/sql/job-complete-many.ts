import { arrayLiteral } from './array-literal.js';
import { query, raw, tableName, type Query } from './query.js';
import { idAnnouncingWaiters } from './waiter-notify.js';

/**
 * The completer's fast path for the common outcome, completed: plain array parameters instead of
 * a JSON recordset (about a fifth faster per job, measured). Only rows still running the same
 * attempt change; returns their ids. The arrays go as literals written here: node-postgres'
 * own array encoding ran two regular expressions per element. Rows someone waits for
 * (`client.waitFor`) are announced on their channel. `waited_on`: a workflow task whose row lists
 * dependents (or does not say): a task written here as one nothing waited for gained some meanwhile,
 * and its dependents must be released.
 */
export function jobCompleteMany(p: { schema: string | undefined; ids: number[]; attempts: number[]; finalizedAt: string[] }): Query {
  return query`UPDATE ${tableName(p.schema, 'river_job')} AS j
SET state = 'completed', finalized_at = c.finalized_at
FROM unnest(${arrayLiteral(p.ids)}::bigint[], ${arrayLiteral(p.attempts)}::smallint[], ${arrayLiteral(p.finalizedAt)}::timestamptz[]) AS c(id, attempt, finalized_at)
WHERE j.id = c.id AND j.state = 'running' AND j.attempt = c.attempt
RETURNING ${raw(idAnnouncingWaiters('j', p.schema))} AS id,
  j.metadata ? 'tributary:workflow' AND coalesce(j.metadata -> 'tributary:workflow' -> 'dependents' <> '[]'::jsonb, true) AS waited_on`;
}
