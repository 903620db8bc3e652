import type { Logger } from '../logger.js';
import type { PgPool } from '../sql/pg-pool.js';
import { queueLimitsSet } from '../sql/queue-limits-set.js';
import type { ConcurrencyLimit, LimitPartition, RateLimit } from './limits-config.js';

/** The limits a client works a queue with, as recorded in `river_queue.metadata['tributary:limits']`. */
export interface RecordedLimits {
  concurrency: ConcurrencyLimit | null;
  rateLimit: RateLimit | null;
  /** The client that recorded them, and when (ISO time). */
  clientId: string;
  at: string;
}

const partitionOf = (p: LimitPartition | undefined) => (p ? { byArgs: p.byArgs === true ? true : p.byArgs ? [...p.byArgs] : undefined, byKind: p.byKind || undefined } : undefined);

/** The limits in one fixed shape and key order, so two clients' records compare as JSON text. */
export function normalizedLimits(concurrency: ConcurrencyLimit | undefined, rateLimit: RateLimit | undefined): Pick<RecordedLimits, 'concurrency' | 'rateLimit'> {
  return JSON.parse(
    JSON.stringify({
      concurrency: concurrency ? { globalLimit: concurrency.globalLimit, localLimit: concurrency.localLimit, partition: partitionOf(concurrency.partition) } : null,
      rateLimit: rateLimit ? { limit: rateLimit.limit, period: rateLimit.period, partition: partitionOf(rateLimit.partition) } : null,
    }),
  );
}

/**
 * Records this client's limits of a queue at start, for the admin API, and warns when the client
 * that recorded them before had others: each client enforces its own limits on the jobs it takes
 * (counting every client's running jobs), so with different limits the tightest holds only for
 * the clients that set it.
 */
export async function recordQueueLimits(p: {
  pool: PgPool;
  schema: string | undefined;
  queue: string;
  clientId: string;
  logger: Logger;
  concurrency: ConcurrencyLimit | undefined;
  rateLimit: RateLimit | undefined;
}): Promise<void> {
  const mine = normalizedLimits(p.concurrency, p.rateLimit);
  const record: RecordedLimits = { ...mine, clientId: p.clientId, at: new Date().toISOString() };
  const { text, values } = queueLimitsSet({ schema: p.schema, queue: p.queue, limits: record });
  const { rows } = await p.pool.query(text, values);
  const previous = rows[0]?.previous ? (JSON.parse(rows[0].previous) as RecordedLimits) : undefined;
  if (!previous || previous.clientId === p.clientId) return;
  const theirs = normalizedLimits(previous.concurrency ?? undefined, previous.rateLimit ?? undefined);
  if (JSON.stringify(theirs) !== JSON.stringify(mine)) {
    p.logger.warn(`queue ${p.queue}: this client's limits differ from those client ${previous.clientId} recorded; each client enforces its own on the jobs it takes`, {
      mine,
      theirs,
    });
  }
}
