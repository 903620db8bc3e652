import { query, tableName, type Query } from './query.js';

/**
 * Takes a transaction-scoped advisory lock on one periodic job of one schema, so clients that
 * both think they lead insert its ticks one after the other, never side by side.
 */
export function periodicJobLock(p: { schema: string | undefined; periodicJobId: string }): Query {
  return query`SELECT pg_advisory_xact_lock(hashtextextended(
  coalesce(${p.schema ?? null}::text, current_schema()) || '.river_periodic_job.' || ${p.periodicJobId}::text, 0))`;
}

/**
 * Whether a job for this periodic job and tick exists. Run after {@link periodicJobLock}, in a
 * statement of its own, so its snapshot includes an insert committed by the lock's last holder.
 * The kind narrows the scan to the kind index (metadata has no index by default).
 */
export function jobPeriodicTickExists(p: { schema: string | undefined; kind: string; periodicJobId: string; tick: string }): Query {
  const job = tableName(p.schema, 'river_job');
  const metadata = JSON.stringify({ 'river:periodic_job_id': p.periodicJobId, periodic_tick: p.tick });
  return query`SELECT EXISTS (SELECT 1 FROM ${job} WHERE kind = ${p.kind} AND metadata @> ${metadata}::jsonb) AS found`;
}
