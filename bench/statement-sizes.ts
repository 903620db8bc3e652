import type pg from 'pg';

/** How many jobs the runtime's fetches took and its completer's flushes wrote, on average. */
export interface StatementSizes {
  fetches: number;
  fetched: number;
  flushes: number;
  completed: number;
}

export const meanFetch = (s: StatementSizes) => (s.fetches > 0 ? s.fetched / s.fetches : NaN);
export const meanFlush = (s: StatementSizes) => (s.flushes > 0 ? s.completed / s.flushes : NaN);

/**
 * Counts, on `pool`, the rows of every fetch and of every completed-jobs flush the runtime sends,
 * so the limit phase can give pgbench the batch sizes the runtime really used (a limit measured
 * with other sizes says little about the runtime). The fetch is told by its `attempted_by`
 * update, the completer's fast path by its `SET state = 'completed'`.
 */
export function countStatements(pool: pg.Pool): StatementSizes {
  const sizes: StatementSizes = { fetches: 0, fetched: 0, flushes: 0, completed: 0 };
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<{ rows: unknown[] }>;
  (pool as { query: unknown }).query = (...args: unknown[]) => {
    const first = args[0] as string | { text: string };
    const text = typeof first === 'string' ? first : first.text;
    const result = query(...args);
    const fetch = text.includes('attempted_by = (array_append');
    const flush = text.includes("SET state = 'completed'");
    if (fetch || flush) {
      void result.then(({ rows }) => {
        if (fetch) (sizes.fetches++, (sizes.fetched += rows.length));
        else (sizes.flushes++, (sizes.completed += rows.length));
      }, () => {});
    }
    return result;
  };
  return sizes;
}
