import pg from 'pg';
import * as v from 'valibot';
import { afterEach, expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { LimitedFetch } from '../../src/flow/limited-fetch.js';
import { jobGetLimitedShared, sharedLock, sharedShare } from '../../src/sql/job-get-limited-shared.js';
import { inlined } from '../../src/sql/query.js';
import { jobGetLimited, queueLock } from '../../src/sql/job-get-limited.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// A global limit of 16: shared fetches take at most 2 each, and leave 6 for the 3 others.
const LIMIT = 16;
const t = await createTestDatabase();
const step = defineJob({ kind: 'step', args: v.object({ ms: v.number() }) });
const inserter = new Client();
const opened: pg.Client[] = [];
// Each test's open transactions end with it (a failed test's too, or they would hold the locks).
afterEach(() => Promise.all(opened.splice(0).map((c) => c.end().catch(() => {}))));

async function reset(available: number, running: number): Promise<void> {
  await t.query(`DELETE FROM river_job`);
  await t.query(`DELETE FROM river_queue`);
  await t.query(`INSERT INTO river_queue (name) VALUES ('limited')`);
  await inserter.insertMany(t.db, Array.from({ length: available + running }, () => ({ job: step, args: { ms: 0 }, opts: { queue: 'limited' } })));
  await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_by = '{other}' WHERE id IN (SELECT id FROM river_job ORDER BY id LIMIT $1)`, [running]);
}
const running = async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'running'`))[0]!.n as number;

async function connection(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: t.url });
  await c.connect();
  opened.push(c);
  return c;
}

/** A shared fetch of `limit` jobs left open (not committed) on a connection of its own: what it took and its backend. */
async function openSharedFetch(limit: number): Promise<{ c: pg.Client; took: number }> {
  const c = await connection();
  const fetch = jobGetLimitedShared({ schema: undefined, queue: 'limited', clientId: 'open', limit, globalLimit: LIMIT, finishedIds: [] });
  const results = (await c.query(`BEGIN; ${sharedLock({ schema: undefined, queue: 'limited' })}; ${inlined(fetch)}`)) as unknown as pg.QueryResult[];
  return { c, took: JSON.parse(results.at(-1)!.rows[0].jobs).length };
}

const limitedFetch = (pool: pg.Pool) =>
  new LimitedFetch({ pool, schema: undefined, queue: 'limited', clientId: 'probe', logger: quietLogger, concurrency: { globalLimit: LIMIT }, rateLimit: undefined, prepared: false, finishedIds: () => [] });

test('a shared fetch takes at most an eighth of the limit', async () => {
  expect(sharedShare(LIMIT)).toBe(2);
  expect(sharedShare(7)).toBe(0);
  await reset(20, 0);
  const open = await openSharedFetch(10);
  expect(open.took).toBe(2);
  await open.c.query('COMMIT');
  expect(await running()).toBe(2);
});

test('four shared fetches that cannot see one another never pass the limit together, and an exclusive fetch then fills it exactly', async () => {
  // 10 running: each shared fetch sees room for 16 - 10 - 6 = 0, where without the room left for
  // the others each would take 2, and the four together 18.
  await reset(30, 10);
  const open = await Promise.all([0, 1, 2, 3].map(() => openSharedFetch(10)));
  expect(open.map((o) => o.took)).toEqual([0, 0, 0, 0]);
  await Promise.all(open.map((o) => o.c.query('COMMIT')));
  expect(await running()).toBe(10);

  // The client's own fetch goes shared first (it has counted nothing yet), finds no room, and
  // falls back to the exclusive fetch, which counts exactly and takes the 6 left.
  const result = await limitedFetch(t.pool).fetch(10);
  expect(result.jobs).toHaveLength(6);
  expect(await running()).toBe(LIMIT);
});

test('an exclusive fetch waits for the shared fetches in flight and counts what they took', async () => {
  await reset(30, 0);
  const open = await openSharedFetch(10);
  expect(open.took).toBe(2);
  const exclusive = await connection();
  const pid = (await exclusive.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  const locked = exclusive.query(queueLock({ schema: undefined, queue: 'limited' }));
  // It waits on the limit lock (an advisory lock) until the shared fetch commits.
  await waitFor(async () => (await t.query(`SELECT wait_event FROM pg_stat_activity WHERE pid = $1`, [pid]))[0]?.wait_event === 'advisory', {
    timeoutMs: 10_000, message: 'the exclusive fetch to wait for the shared one',
  });
  await open.c.query('COMMIT');
  await locked;
  // Past the lock, its count sees the 2 the shared fetch took: it fills the 14 left.
  const { text, values } = jobGetLimited({ schema: undefined, queue: 'limited', clientId: 'exclusive', limit: 20, scanLimit: 20, finishedIds: [], concurrency: { globalLimit: LIMIT }, rateLimit: undefined });
  const taken = JSON.parse((await exclusive.query(text, values)).rows[0].jobs);
  await exclusive.query('COMMIT');
  expect(taken).toHaveLength(14);
  expect(await running()).toBe(LIMIT);
});

test('a shared fetch takes nothing from a paused queue', async () => {
  await reset(20, 0);
  await t.query(`UPDATE river_queue SET paused_at = now() WHERE name = 'limited'`);
  const result = await limitedFetch(t.pool).fetch(10);
  expect(result).toMatchObject({ jobs: [], paused: true });
  expect(await running()).toBe(0);
});

test('3 clients of 10 workers under globalLimit 16 (shared and exclusive fetches mixed): never more than 16 at once, and 16 do run', async () => {
  await reset(0, 0);
  const runs: { start: number; end: number }[] = [];
  const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: t.url, max: 10 }));
  const clients = pools.map((pool, i) => new Client({
    pool, id: `shared_${i}`, logger: quietLogger, fetchCooldown: 5, fetchPollInterval: 100,
    queues: { limited: { maxWorkers: 10, concurrency: { globalLimit: LIMIT } } },
    workers: [work(step, async (job) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, job.args.ms));
      runs.push({ start, end: Date.now() });
    })],
  }));
  try {
    await Promise.all(clients.map((c) => c.start()));
    await inserter.insertMany(t.db, Array.from({ length: 160 }, () => ({ job: step, args: { ms: 200 }, opts: { queue: 'limited' } })));
    await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]!.n === 160, { timeoutMs: 60_000, message: '160 completed jobs' });
  } finally {
    await Promise.all(clients.map((c) => c.stop()));
    await Promise.all(pools.map((p) => p.end()));
  }
  const edges = runs.flatMap((r) => [[r.start, 1], [r.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, (open += d));
  expect(most).toBe(LIMIT);
  expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE attempt <> 1`))[0]!.n).toBe(0);
}, 90_000);
