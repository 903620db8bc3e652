// Two refills in flight: the later one skips the rows the earlier one locked, so it brings the
// lower-priority jobs. If it answers first, its jobs must still wait for the earlier fetch's, or
// a queue worked one job at a time would run priority 3 before priority 2. The earlier refill's
// answer is held until the later one has been handled, so the bad ordering happens every time.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work, type PgPool } from '../../src/index.js';
import { isFetch } from '../support/fetch-spy.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const step = defineJob({ kind: 'ordered_step', args: v.object({ name: v.string() }) });

/** A pool that sends every fetch at once but holds the answer of fetch number `heldFetch` (0-based) until `release()`. */
function holdingAnswer(pool: PgPool, heldFetch: number) {
  let fetches = 0;
  const answered: number[] = [];
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const holding: PgPool = {
    async query(text, values) {
      if (!isFetch(text)) return pool.query(text, values);
      const n = fetches++;
      const result = await pool.query(text, values);
      if (n === heldFetch) await gate;
      answered.push(n);
      return result;
    },
    connect: () => pool.connect(),
    on: (event, listener) => pool.on?.(event, listener),
    off: (event, listener) => pool.off?.(event, listener),
  };
  return { pool: holding, answered, release, fetches: () => fetches };
}

test('jobs of overlapping refills start in priority order, whichever refill answers first', async () => {
  const queue = 'fetch_order';
  const jobs = [
    ...['a1', 'a2', 'a3', 'a4'].map((name) => ({ name, priority: 1 as const })),
    ...['b1', 'b2'].map((name) => ({ name, priority: 2 as const })),
    ...['c1', 'c2'].map((name) => ({ name, priority: 3 as const })),
  ];
  await inserter.insertMany(t.db, jobs.map(({ name, priority }) => ({ job: step, args: { name }, opts: { queue, priority } })));

  const started: string[] = [];
  const finish = new Map<string, () => void>();
  const hold = holdingAnswer(t.pool, 1);
  await startClient(t, {
    pool: hold.pool,
    preparedStatements: false,
    // Only refills fetch here: no poll may take a job between the steps below.
    fetchPollInterval: 60_000,
    queues: { [queue]: { maxWorkers: 2, prefetch: 2 } },
    workers: [
      work(step, (job) => {
        started.push(job.args.name);
        // The priority 1 jobs wait for the test, so it decides when each refill is sent.
        if (job.args.name.startsWith('a')) return new Promise<void>((resolve) => finish.set(job.args.name, resolve));
      }),
    ],
  });
  try {
    // Fetch 0 took the four priority 1 jobs (two running, two buffered).
    await waitFor(() => finish.has('a1') && finish.has('a2'), { message: 'a1 and a2 running' });
    finish.get('a1')!();
    finish.get('a2')!();
    // a3 and a4 start, nothing is buffered: refill 1 takes b1 and b2, and its answer is held.
    await waitFor(() => hold.fetches() === 2 && finish.has('a3') && finish.has('a4'), { message: 'refill 1 sent, a3 and a4 running' });
    finish.get('a3')!();
    finish.get('a4')!();
    // Every slot is free and refill 1 is still out: refill 2 takes c1 and c2, and answers first.
    await waitFor(() => hold.answered.includes(2), { message: 'refill 2 answered while refill 1 is held' });
    expect(hold.answered.slice(0, 2)).toEqual([0, 2]);
  } finally {
    hold.release();
  }
  await waitFor(() => started.length === jobs.length, { message: 'every job started' });
  expect(started).toEqual(['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'c1', 'c2']);
});
