import pg from 'pg';
import { expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const JOBS = 500;

test('two clients on one queue run each of 500 jobs exactly once, and both do some of the work', async () => {
  const ran: number[] = [];
  const ranBy = new Map<string, number>();
  const pools = [new pg.Pool({ connectionString: t.url, max: 10 }), new pg.Pool({ connectionString: t.url, max: 10 })];
  for (const pool of pools) pool.on('error', () => {}); // a connection still closing when the database is dropped
  const clients = pools.map(
    (pool, i) =>
      new Client({
        pool,
        id: `client_${i}`,
        logger: quietLogger,
        fetchCooldown: 5,
        fetchPollInterval: 100,
        queues: { default: { maxWorkers: 10 } },
        workers: [
          work(noop, async (job, { client }) => {
            ran.push(job.id);
            ranBy.set(client.id, (ranBy.get(client.id) ?? 0) + 1);
            // A little real work, so neither client can take the whole queue alone.
            await new Promise((resolve) => setTimeout(resolve, 1 + (job.id % 3)));
          }),
        ],
      }),
  );
  try {
    await Promise.all(clients.map((c) => c.start()));
    await new Client().insertMany(t.db, Array.from({ length: JOBS }, (_, n) => ({ job: noop, args: { n } })));
    await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]!.n === JOBS, {
      timeoutMs: 20_000,
      message: `${JOBS} completed jobs`,
    });
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(pools.map((p) => p.end()));
  }

  expect(ran).toHaveLength(JOBS);
  expect(new Set(ran).size).toBe(JOBS);
  const rows = await t.query(`SELECT state::text, attempt, attempted_by FROM river_job`);
  expect(rows).toHaveLength(JOBS);
  expect(rows.every((r) => r.state === 'completed' && r.attempt === 1 && r.attempted_by.length === 1)).toBe(true);
  const workedBy = new Set(rows.map((r) => r.attempted_by[0]));
  expect([...workedBy].sort()).toEqual(['client_0', 'client_1']);
  // What each client ran in memory matches what it stamped into attempted_by.
  for (const id of ['client_0', 'client_1']) {
    expect(ranBy.get(id)).toBe(rows.filter((r) => r.attempted_by[0] === id).length);
  }
});
