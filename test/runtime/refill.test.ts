// Refills during a backlog: two fetches may be in flight at once, never claiming more jobs than
// maxWorkers + prefetch between them. Fetch answers are held until the test lets them through,
// so what is in flight at any moment is known without timing anything.
import { expect, test } from 'vitest';
import { Client, work, type PgPool } from '../../src/index.js';
import { MAX_REFILLS_IN_FLIGHT } from '../../src/runtime/producer.js';
import { noop } from '../support/jobs.js';
import { startClient } from '../support/runtime.js';
import { isFetch } from '../support/fetch-spy.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();

/** A pool whose fetch answers wait in `held` until released; `limits` are the fetches' LIMITs, in order. */
function holdingFetches(pool: PgPool) {
  const held: { limit: number; release: () => void }[] = [];
  const limits: number[] = [];
  let passThrough = false;
  const holding: PgPool = {
    async query(text, values) {
      if (!isFetch(text)) return pool.query(text, values);
      const limit = Number(values?.[1]);
      limits.push(limit);
      if (!passThrough) await new Promise<void>((release) => held.push({ limit, release }));
      return pool.query(text, values);
    },
    connect: () => pool.connect(),
    on: (event, listener) => pool.on?.(event, listener),
    off: (event, listener) => pool.off?.(event, listener),
  };
  return {
    pool: holding,
    held,
    limits,
    releaseAll() {
      passThrough = true;
      for (const h of held.splice(0)) h.release();
    },
    releaseOne() {
      held.shift()?.release();
    },
  };
}

test('with a backlog, refills overlap, and jobs claimed never exceed maxWorkers + prefetch', async () => {
  expect(MAX_REFILLS_IN_FLIGHT).toBe(2);
  const queue = 'refill';
  const ids = (await inserter.insertMany(t.db, Array.from({ length: 20 }, (_, n) => ({ job: noop, args: { n }, opts: { queue } })))).map((r) => r.job.id);
  const hold = holdingFetches(t.pool);
  const done = new Set<number>();
  const client = await startClient(t, {
    pool: hold.pool,
    queues: { [queue]: { maxWorkers: 2, prefetch: 2 } },
    workers: [work(noop, () => {})],
  });
  client.on('job_completed', ({ job }) => void done.add(job.id));
  try {
    await expectOverlappingRefills(hold);
  } finally {
    hold.releaseAll(); // else a failure above would leave stop() waiting for held fetches
  }
  await waitFor(() => done.size === ids.length, { message: `${ids.length} jobs completed` });
  expect(hold.limits.every((limit) => limit >= 1 && limit <= 4)).toBe(true);
  const { rows } = await t.pool.query(`SELECT state, attempt, count(*)::int AS n FROM river_job WHERE queue = $1 GROUP BY 1, 2`, [queue]);
  expect(rows).toEqual([{ state: 'completed', attempt: 1, n: ids.length }]);
});

async function expectOverlappingRefills(hold: ReturnType<typeof holdingFetches>) {
  await waitFor(() => hold.held.length === 1, { message: 'the first fetch', timeoutMs: 5000 });
  expect(hold.held[0]!.limit).toBe(4);
  hold.releaseOne();
  // Its 4 jobs run at once: one refill when half the room is free, a second once all of it is.
  await waitFor(() => hold.held.length === 2, { message: 'two refills in flight', timeoutMs: 5000 });
  expect(hold.held.map((h) => h.limit)).toEqual([2, 2]);
  hold.releaseOne();
  await waitFor(() => hold.held.length === 2, { message: 'a refill beside the one still in flight', timeoutMs: 5000 });
  expect(hold.held.reduce((sum, h) => sum + h.limit, 0)).toBeLessThanOrEqual(4);
}
