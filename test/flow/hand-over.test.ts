import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work, type PgPool } from '../../src/index.js';
import { LimitedFetch } from '../../src/flow/limited-fetch.js';
import { quietLogger } from '../support/runtime.js';
import { waitFor } from '../support/wait.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const call = defineJob({ kind: 'call', args: v.object({ customer: v.string() }) });
const inserter = new Client();

/** Jobs of `customers` in queue `limited`, in that order; the first one running for client `me`. */
async function setUp(customers: string[]): Promise<number[]> {
  await t.query(`DELETE FROM river_job`);
  const inserted = await inserter.insertMany(t.db, customers.map((customer) => ({ job: call, args: { customer }, opts: { queue: 'limited' } })));
  const ids = inserted.map((r) => r.job.id);
  await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now(), attempted_by = '{me}' WHERE id = $1`, [ids[0]]);
  return ids;
}
const fetcher = (partitioned: boolean) =>
  new LimitedFetch({
    pool: t.pool, schema: undefined, queue: 'limited', clientId: 'me', logger: quietLogger, prepared: false, finishedIds: () => [],
    concurrency: { globalLimit: 1, partition: partitioned ? { byArgs: ['customer'] } : undefined }, rateLimit: undefined,
  });
const states = async (ids: number[]) =>
  (await t.query(`SELECT state::text, attempted_by FROM river_job WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids])).map((r) => `${r.state}${r.attempted_by ? ` by ${r.attempted_by.at(-1)}` : ''}`);

test('a completion stores the job completed and takes the next job of its partition in one statement', async () => {
  // acme's job runs; globex's is next in line, then acme's second.
  const ids = await setUp(['acme', 'globex', 'acme']);
  const handed = await fetcher(true).handOver({ id: ids[0]!, attempt: 1, finalized_at: new Date().toISOString() });
  expect(handed.written).toBe(true);
  expect(handed.jobs.map((j) => j.id)).toEqual([ids[2]]);
  expect(await states(ids)).toEqual(['completed by me', 'available', 'running by me']);
});

test('unpartitioned, the slot goes to the queue\'s next job', async () => {
  const ids = await setUp(['acme', 'globex', 'acme']);
  const handed = await fetcher(false).handOver({ id: ids[0]!, attempt: 1, finalized_at: new Date().toISOString() });
  expect(handed.jobs.map((j) => j.id)).toEqual([ids[1]]);
  expect(handed.jobs[0]).toMatchObject({ state: 'running', attempt: 1 });
});

test.each([true, false])('a job no longer running that attempt (rescued, cancelled meanwhile) hands over nothing: its slot was freed already (partitioned: %s)', async (partitioned) => {
  const ids = await setUp(['acme', 'acme']);
  await t.query(`UPDATE river_job SET state = 'available', attempted_by = NULL WHERE id = $1`, [ids[0]]);
  const handed = await fetcher(partitioned).handOver({ id: ids[0]!, attempt: 1, finalized_at: new Date().toISOString() });
  expect(handed).toEqual({ written: false, jobs: [] });
  expect(await states(ids)).toEqual(['available', 'available']);
});

test('without a successor in its partition the completion is still stored', async () => {
  const ids = await setUp(['acme', 'globex']);
  const handed = await fetcher(true).handOver({ id: ids[0]!, attempt: 1, finalized_at: new Date().toISOString() });
  expect(handed).toEqual({ written: true, jobs: [] });
  expect(await states(ids)).toEqual(['completed by me', 'available']);
});

test('a client whose limit binds hands its slots over: every job runs once, each completion is an event, waitFor sees it', async () => {
  await t.query(`DELETE FROM river_job`);
  let handOvers = 0;
  const pool: PgPool = {
    query(text, values) {
      if (text.startsWith('WITH done AS')) handOvers++;
      return t.pool.query(text, values);
    },
    connect: () => t.pool.connect(),
  };
  const runs: number[] = [];
  const client = new Client({
    pool, logger: quietLogger, fetchCooldown: 5, fetchPollInterval: 100,
    queues: { limited: { maxWorkers: 2, concurrency: { globalLimit: 1 } } },
    workers: [work(call, async (job) => {
      runs.push(job.id);
      await new Promise((resolve) => setTimeout(resolve, 20));
    })],
  });
  const completed: number[] = [];
  client.on('job_completed', ({ job }) => void completed.push(job.id));
  await client.start();
  try {
    const inserted = await inserter.insertMany(t.db, Array.from({ length: 6 }, (_, i) => ({ job: call, args: { customer: `c${i}` }, opts: { queue: 'limited' } })));
    const last = inserted.at(-1)!.job;
    await expect(client.waitFor(last, { timeout: 20_000 })).resolves.toMatchObject({ id: last.id, state: 'completed' });
    await waitFor(() => completed.length === 6, { timeoutMs: 10_000, message: '6 job_completed events' });
  } finally {
    await client.stop();
  }
  expect(runs.sort((a, b) => a - b)).toEqual((await t.query(`SELECT id FROM river_job ORDER BY id`)).map((r) => Number(r.id)));
  expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed' AND attempt = 1`))[0]!.n).toBe(6);
  expect(handOvers).toBeGreaterThan(0);
});
