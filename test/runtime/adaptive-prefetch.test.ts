// The default prefetch adapts: large fetches while a backlog of short jobs drains, none for jobs
// that take seconds (they would wait here while other clients could run them), none when idle.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work, type PgPool } from '../../src/index.js';
import { AUTO_PREFETCH_PER_WORKER, PrefetchSizer } from '../../src/runtime/prefetch-sizer.js';
import { isFetch } from '../support/fetch-spy.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const job = defineJob({ kind: 'paced', args: v.object({ ms: v.number() }) });

/** The LIMIT of each fetch of `queue` among `calls`, in order. */
function limitsOf(queue: string, calls: unknown[][]) {
  return calls.filter((values) => values[0] === queue).map((values) => Number(values[1]));
}

/** A pool recording the parameters of every fetch. */
function recordingPool() {
  const calls: unknown[][] = [];
  const pool: PgPool = {
    query: (text, values) => {
      if (isFetch(text)) calls.push(values ?? []);
      return t.pool.query(text, values);
    },
    connect: () => t.pool.connect(),
  };
  return { pool, calls };
}

test('a backlog of short jobs is fetched ahead, within the cap; the queue idle again, fetches ask for free workers only', async () => {
  const { pool, calls } = recordingPool();
  await inserter.insertMany(t.db, Array.from({ length: 3000 }, () => ({ job, args: { ms: 0 }, opts: { queue: 'short' } })));
  let done = 0;
  await startClient(t, { pool, queues: { short: { maxWorkers: 5 } }, workers: [work(job, () => void done++)] });
  await waitFor(() => done === 3000, { timeoutMs: 60_000, message: '3,000 short jobs done' });
  const during = limitsOf('short', calls);
  expect(Math.max(...during)).toBeGreaterThan(5); // fetched ahead of the 5 workers
  expect(Math.max(...during)).toBeLessThanOrEqual(5 + 5 * AUTO_PREFETCH_PER_WORKER);
  // Idle: polls find nothing, and the next insert is fetched by a request for free workers only.
  const seen = calls.length;
  await waitFor(() => limitsOf('short', calls.slice(seen)).length >= 2, { message: 'two idle polls' });
  const idle = limitsOf('short', calls.slice(seen)).slice(1);
  expect(idle.every((limit) => limit === 5)).toBe(true);
});

test('jobs that take seconds are not fetched ahead', { timeout: 60_000 }, async () => {
  const { pool, calls } = recordingPool();
  await inserter.insertMany(t.db, Array.from({ length: 6 }, () => ({ job, args: { ms: 1500 }, opts: { queue: 'slow' } })));
  let done = 0;
  await startClient(t, {
    pool,
    queues: { slow: { maxWorkers: 2 } },
    workers: [work(job, async (j) => { await new Promise((resolve) => setTimeout(resolve, j.args.ms)); done++; })],
  });
  await waitFor(() => done === 6, { timeoutMs: 30_000, message: '6 slow jobs done' });
  expect(Math.max(...limitsOf('slow', calls))).toBeLessThanOrEqual(2);
});

test('the sizer: fixed stays fixed; adaptive holds rate x fetch time x 3 while full, halves on a partial fetch, drops on an empty one', () => {
  expect(new PrefetchSizer(7, 10).ahead).toBe(7);
  const fixed = new PrefetchSizer(0, 10);
  fixed.fetched(10, 10, 0, 5);
  expect(fixed.ahead).toBe(0);

  const sizer = new PrefetchSizer(undefined, 50);
  expect(sizer.ahead).toBe(0);
  const start = Date.now();
  for (let i = 0; i < 1000; i++) sizer.jobFinished();
  sizer.fetched(50, 50, start + 990, start + 1000); // 1,000 jobs in ~1 s, a 10 ms fetch
  expect(sizer.ahead).toBeGreaterThan(0);
  expect(sizer.ahead).toBeLessThanOrEqual(50 * AUTO_PREFETCH_PER_WORKER);
  const full = sizer.ahead;
  sizer.fetched(50 + full, 10, start + 1000, start + 1010);
  expect(sizer.ahead).toBe(Math.floor(full / 2));
  sizer.fetched(50, 0, start + 1010, start + 1020);
  expect(sizer.ahead).toBe(0);
});
