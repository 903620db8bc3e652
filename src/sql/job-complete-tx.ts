import { sql, type SQL } from 'drizzle-orm';
import { qualified } from './identifiers.js';
import { notifyWaitersExpression } from './waiter-notify.js';

/**
 * Completes a running job inside the caller's own transaction, so the job's side effects and its
 * completion commit together. Only the attempt that is running changes. A waiter
 * (`client.waitFor`) hears of it when the transaction commits.
 */
export function jobCompleteTx(p: { schema: string | undefined; id: number; attempt: number }): SQL {
  return sql`UPDATE ${qualified(p.schema, 'river_job')} AS j
SET state = 'completed', finalized_at = now()
WHERE j.id = ${p.id} AND j.state = 'running' AND j.attempt = ${p.attempt}
RETURNING row_to_json(j)::text AS job, ${sql.raw(notifyWaitersExpression('j', p.schema))} AS notified`;
}
