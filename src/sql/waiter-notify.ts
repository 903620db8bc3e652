import { textLiteral } from './query.js';
/**
 * The channel topic on which a finalized job that someone waits for is announced:
 * `<schema>.tributary_finalized`, payload the job's id. A channel of Tributary's own, so River
 * clients never hear it.
 */
export const FINALIZED_TOPIC = 'tributary_finalized';

/**
 * The metadata key `client.waitFor()` sets on a job it waits for. Only rows carrying it are
 * announced, so jobs nobody waits for cost the finalizing statements one key lookup each.
 */
export const WAIT_MARK_KEY = 'tributary:notify';


/**
 * A boolean SQL expression over the updated row `alias` (its new version, as in RETURNING) that
 * sends the finalized notification when the row is marked and finalized, and is true when it
 * did. Evaluated lazily by CASE, so unmarked rows never reach pg_notify. Placed in RETURNING,
 * it sees a mark a waiter committed while the finalizing statement waited for the row's lock:
 * READ COMMITTED re-reads the latest version before updating it.
 */
export function notifyWaitersExpression(alias: string, schema: string | undefined): string {
  const channel = schema === undefined ? `current_schema() || ${textLiteral(`.${FINALIZED_TOPIC}`)}` : textLiteral(`${schema}.${FINALIZED_TOPIC}`);
  return `((CASE WHEN ${alias}.metadata ? ${textLiteral(WAIT_MARK_KEY)} AND ${alias}.finalized_at IS NOT NULL THEN pg_notify(${channel}, ${alias}.id::text) END) IS NOT NULL)`;
}

/**
 * `alias.id`, announcing the row as {@link notifyWaitersExpression} does: for the completer's
 * RETURNING, where a column more cost about 5% of a 1,000-row flush (measured; node-postgres
 * reads every value of every row) and the test itself nothing measurable.
 */
export function idAnnouncingWaiters(alias: string, schema: string | undefined): string {
  return `CASE WHEN ${notifyWaitersExpression(alias, schema)} THEN ${alias}.id ELSE ${alias}.id END`;
}
