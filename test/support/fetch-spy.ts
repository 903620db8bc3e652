import type { PgPool } from '../../src/index.js';

/** One fetch statement the runtime sent: when, for which queue, and when its answer came. */
export interface FetchRecord {
  at: number;
  queue: string;
  doneAt?: number;
}

/**
 * Whether `text` is the producer's fetch (the statement that locks available jobs and marks them
 * running), and not another that skips locked rows (the scheduler's, the rescuers').
 */
export const isFetch = (text: string): boolean => text.includes('FOR UPDATE SKIP LOCKED') && text.includes('attempted_by = (array_append');

/**
 * Wraps a pool so a test can see every fetch (the statement that locks available jobs) as it is
 * sent: a clock made of the producer's own polls, to wait on instead of sleeping.
 */
export function spyOnFetches(pool: PgPool): { pool: PgPool; fetches: FetchRecord[]; count: (queue: string) => number } {
  const fetches: FetchRecord[] = [];
  const spied: PgPool = {
    query(text, values) {
      const result = pool.query(text, values);
      if (isFetch(text)) {
        const record: FetchRecord = { at: Date.now(), queue: String(values?.[0]) };
        fetches.push(record);
        const done = () => void (record.doneAt = Date.now());
        result.then(done, done);
      }
      return result;
    },
    connect: () => pool.connect(),
    on: (event, listener) => pool.on?.(event, listener),
    off: (event, listener) => pool.off?.(event, listener),
  };
  return { pool: spied, fetches, count: (queue) => fetches.filter((f) => f.queue === queue).length };
}
