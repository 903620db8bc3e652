import pg from 'pg';
import * as v from 'valibot';
import { afterAll, expect, test } from 'vitest';
import { Client, defineJob, work, type QueueConfig } from '../../src/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const pools: pg.Pool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.end())));

const step = defineJob({ kind: 'step', args: v.object({ n: v.number(), customer: v.optional(v.string()), ms: v.number() }) });
const other = defineJob({ kind: 'other_step', args: v.object({ n: v.number(), ms: v.number() }) });

interface Run {
  id: number;
  kind: string;
  customer: string | undefined;
  start: number;
  end: number;
}

/** The most runs overlapping at any moment, among those `pick` keeps. */
function maxOverlap(runs: readonly Run[], pick: (r: Run) => boolean = () => true): number {
  const edges = runs.filter(pick).flatMap((r) => [[r.start, 1] as const, [r.end, -1] as const]);
  // Ends before starts at the same instant: a slot freed and reused in one millisecond is not an overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let now = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (now += d));
  return max;
}

/** Starts `count` clients (each with a pool of its own) on queue `limited`, recording every run. */
async function startClients(count: number, queue: QueueConfig) {
  // Each test's own river_queue row: an earlier test's rate log would count in this one's window.
  await t.query(`DELETE FROM river_queue`);
  const runs: Run[] = [];
  const clients = Array.from({ length: count }, (_, i) => {
    const pool = new pg.Pool({ connectionString: t.url, max: 10 });
    pool.on('error', () => {});
    pools.push(pool);
    const record = async (job: { id: number; kind: string; args: { customer?: string; ms: number } }) => {
      const start = Date.now();
      await new Promise((resolve) => setTimeout(resolve, job.args.ms));
      runs.push({ id: job.id, kind: job.kind, customer: job.args.customer, start, end: Date.now() });
    };
    return new Client({
      pool,
      id: `limits_${i}_${Math.random().toString(36).slice(2, 8)}`,
      logger: quietLogger,
      fetchCooldown: 5,
      fetchPollInterval: 200,
      queues: { limited: queue },
      workers: [work(step, record), work(other, record)],
    });
  });
  await Promise.all(clients.map((c) => c.start()));
  return {
    runs,
    clients,
    async stop() {
      await Promise.all(clients.map((c) => c.stop()));
    },
  };
}

const inserter = new Client();
async function insert(items: { kind?: 'step' | 'other'; n: number; customer?: string; ms: number }[]) {
  await t.query(`DELETE FROM river_job`);
  await inserter.insertMany(
    t.db,
    items.map(({ kind, ...args }) => (kind === 'other' ? { job: other, args: { n: args.n, ms: args.ms }, opts: { queue: 'limited' } } : { job: step, args, opts: { queue: 'limited' } })),
  );
}

const completed = async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]!.n as number;
const allCompleted = (n: number) => waitFor(async () => (await completed()) === n, { timeoutMs: 30_000, message: `${n} completed jobs` });

test('globalLimit 3 across 3 clients of 5 workers each: never more than 3 jobs run at once, and 3 do', async () => {
  const { runs, stop } = await startClients(3, { maxWorkers: 5, concurrency: { globalLimit: 3 } });
  try {
    await insert(Array.from({ length: 30 }, (_, n) => ({ n, ms: 40 })));
    await allCompleted(30);
  } finally {
    await stop();
  }
  expect(runs).toHaveLength(30);
  expect(maxOverlap(runs)).toBe(3);
  // From the rows too, as another process would see them: no job started twice.
  expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE attempt <> 1`))[0]!.n).toBe(0);
});

test('partitioned by args: at most 1 per customer at once, customers side by side; jobs without the field share one partition', async () => {
  const { runs, stop } = await startClients(2, { maxWorkers: 5, concurrency: { globalLimit: 1, partition: { byArgs: ['customer'] } } });
  try {
    await insert(Array.from({ length: 24 }, (_, n) => ({ n, customer: ['a', 'b', undefined][n % 3], ms: 30 })));
    await allCompleted(24);
  } finally {
    await stop();
  }
  for (const customer of ['a', 'b', undefined]) expect(maxOverlap(runs, (r) => r.customer === customer)).toBe(1);
  expect(maxOverlap(runs)).toBeGreaterThan(1);
});

test('partitioned by kind: each kind has its own limit', async () => {
  const { runs, stop } = await startClients(2, { maxWorkers: 6, concurrency: { globalLimit: 2, partition: { byKind: true } } });
  try {
    await insert(Array.from({ length: 20 }, (_, n) => ({ n, kind: n % 2 ? 'other' : 'step', ms: 30 })));
    await allCompleted(20);
  } finally {
    await stop();
  }
  expect(maxOverlap(runs, (r) => r.kind === 'step')).toBeLessThanOrEqual(2);
  expect(maxOverlap(runs, (r) => r.kind === 'other_step')).toBeLessThanOrEqual(2);
  expect(maxOverlap(runs)).toBeGreaterThan(2);
});

test('a head of the queue full of one blocked partition does not hold back another partition', async () => {
  const { runs, stop } = await startClients(1, { maxWorkers: 4, concurrency: { globalLimit: 1, partition: { byArgs: ['customer'] } } });
  try {
    // 10 jobs of customer a first in fetch order, then one of b.
    await insert([...Array.from({ length: 10 }, (_, n) => ({ n, customer: 'a', ms: 50 })), { n: 10, customer: 'b', ms: 1 }]);
    await allCompleted(11);
  } finally {
    await stop();
  }
  const b = runs.find((r) => r.customer === 'b')!;
  const aStarts = runs.filter((r) => r.customer === 'a').map((r) => r.start).sort((x, y) => x - y);
  // b ran while a's first jobs did, not after a's whole backlog.
  expect(b.start).toBeLessThan(aStarts[2]!);
});

test('localLimit bounds one client below maxWorkers', async () => {
  const { runs, stop } = await startClients(1, { maxWorkers: 5, concurrency: { localLimit: 2 } });
  try {
    await insert(Array.from({ length: 12 }, (_, n) => ({ n, ms: 30 })));
    await allCompleted(12);
  } finally {
    await stop();
  }
  expect(maxOverlap(runs)).toBe(2);
});

test('rateLimit: at most `limit` starts in any window of `period`, across clients; the rest wait and run', async () => {
  const { stop } = await startClients(2, { maxWorkers: 5, rateLimit: { limit: 4, period: 500 } });
  try {
    await insert(Array.from({ length: 10 }, (_, n) => ({ n, ms: 1 })));
    await allCompleted(10);
  } finally {
    await stop();
  }
  const starts = (await t.query(`SELECT extract(epoch FROM attempted_at) * 1000 AS ms FROM river_job ORDER BY attempted_at`)).map((r) => Number(r.ms));
  for (let i = 0; i < starts.length; i++) {
    // Starts within (start - period, start]: at most 4, whichever start ends the window.
    expect(starts.filter((s) => s > starts[i]! - 500 && s <= starts[i]!).length).toBeLessThanOrEqual(4);
  }
  expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE attempt <> 1 OR errors IS NOT NULL`))[0]!.n).toBe(0);
  const [queue] = await t.query(`SELECT metadata -> 'tributary:rate' AS log FROM river_queue WHERE name = 'limited'`);
  expect(Object.keys(queue!.log)).toEqual(['[]']);
});

test('a partitioned rate limit holds per partition', async () => {
  const { stop } = await startClients(1, { maxWorkers: 5, rateLimit: { limit: 2, period: 400, partition: { byArgs: ['customer'] } } });
  try {
    await insert(Array.from({ length: 8 }, (_, n) => ({ n, customer: n % 2 ? 'a' : 'b', ms: 1 })));
    await allCompleted(8);
  } finally {
    await stop();
  }
  const rows = await t.query(`SELECT args ->> 'customer' AS customer, extract(epoch FROM attempted_at) * 1000 AS ms FROM river_job`);
  for (const customer of ['a', 'b']) {
    const starts = rows.filter((r) => r.customer === customer).map((r) => Number(r.ms));
    for (const s of starts) expect(starts.filter((x) => x > s - 400 && x <= s).length).toBeLessThanOrEqual(2);
  }
});

test('each client records its limits in river_queue.metadata', async () => {
  const { clients, stop } = await startClients(1, { maxWorkers: 3, concurrency: { globalLimit: 2 }, rateLimit: { limit: 10, period: 1000 } });
  await stop();
  const [row] = await t.query(`SELECT metadata -> 'tributary:limits' AS limits FROM river_queue WHERE name = 'limited'`);
  expect(row!.limits).toMatchObject({ concurrency: { globalLimit: 2 }, rateLimit: { limit: 10, period: 1000 }, clientId: clients[0]!.id });
});

test('queueLimits shows each limited queue\'s limits and use per partition: running jobs and starts in the window', async () => {
  const { clients, stop } = await startClients(1, {
    maxWorkers: 4,
    concurrency: { globalLimit: 2, partition: { byArgs: ['customer'] } },
    rateLimit: { limit: 100, period: 60_000, partition: { byArgs: ['customer'] } },
  });
  try {
    await insert([{ n: 1, customer: 'a', ms: 2000 }, { n: 2, customer: 'a', ms: 2000 }, { n: 3, ms: 2000 }]);
    await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'running'`))[0]!.n === 3, { message: '3 running jobs' });
    const [limited, ...others] = await clients[0]!.queueLimits();
    expect(others).toEqual([]);
    expect(limited!.queue).toBe('limited');
    expect(limited!.limits).toMatchObject({ concurrency: { globalLimit: 2, partition: { byArgs: ['customer'] } }, rateLimit: { limit: 100, period: 60_000 } });
    expect(limited!.partitions).toEqual([
      { partition: '["a"]', running: 2, startsInPeriod: 2, windowFreesAt: expect.any(String) },
      { partition: '[null]', running: 1, startsInPeriod: 1, windowFreesAt: expect.any(String) },
    ]);
    // The window frees a minute (the period) after the partition's first start.
    const freesIn = Date.parse(limited!.partitions[0]!.windowFreesAt!) - Date.now();
    expect(freesIn).toBeGreaterThan(30_000);
    expect(freesIn).toBeLessThanOrEqual(60_000 + 1000);
    expect(await clients[0]!.queueLimits({ queue: 'other' })).toEqual([]);
    await expect(clients[0]!.queueLimits({ queue: 'Bad Name' })).rejects.toThrow(/queueLimits: name: "Bad Name" is not a queue name/);
    await expect(clients[0]!.queueLimits({ queu: 'x' } as never)).rejects.toThrow(/queu/);
  } finally {
    await stop();
  }
});
