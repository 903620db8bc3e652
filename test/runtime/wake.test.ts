import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { spyOnFetches } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { jobRow, quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// Polling once a minute: within these tests only a notification (or the client's own wake after
// an insert) can explain a job starting within a couple of seconds.
const t = await createTestDatabase();
const otherPool = new pg.Pool({ connectionString: t.url, max: 2 });
otherPool.on('error', () => {}); // a connection still closing when the database is dropped
const otherDb = drizzle(otherPool);
const insertOnly = new Client();
const spy = spyOnFetches(t.pool);
const startedAt = new Map<number, number>();
const client = new Client({
  pool: spy.pool,
  logger: quietLogger,
  fetchCooldown: 5,
  fetchPollInterval: 60_000,
  queues: { default: { maxWorkers: 5 } },
  workers: [work(noop, (job) => void startedAt.set(job.id, Date.now()))],
});
const PROMPT_MS = 2000;

const started = (id: number) => waitFor(() => startedAt.get(id), { timeoutMs: 10_000, message: `job ${id} to start` });

beforeAll(async () => {
  // A job present before start: once it ran, the first fetch is over and only wake-ups remain.
  const { job } = await insertOnly.insert(t.db, noop, {});
  await client.start();
  await started(job.id);
});
afterAll(async () => {
  await client.stop();
  await otherPool.end();
});

test('a job committed by another connection starts promptly (LISTEN river_insert)', async () => {
  const fetches = spy.fetches.length;
  const { job } = await insertOnly.insert(otherDb, noop, {});
  const committed = Date.now();
  expect((await started(job.id)) - committed).toBeLessThan(PROMPT_MS);
  expect(spy.fetches.length).toBeGreaterThan(fetches);
});

test('an insert through the started client itself, outside a transaction, starts promptly', async () => {
  const { job } = await client.insert(t.db, noop, {});
  const committed = Date.now();
  expect((await started(job.id)) - committed).toBeLessThan(PROMPT_MS);
});

test('insertMany from another connection wakes it too', async () => {
  const results = await insertOnly.insertMany(otherDb, [{ job: noop, args: { n: 1 } }, { job: noop, args: { n: 2 } }]);
  const committed = Date.now();
  for (const { job } of results) expect((await started(job.id)) - committed).toBeLessThan(PROMPT_MS);
});

test('a job inserted in a transaction is not started before commit, and starts promptly after', async () => {
  let inTx = 0;
  await t.db.transaction(async (tx) => {
    ({ job: { id: inTx } } = await client.insert(tx, noop, {}));
    // While the transaction is open, make the producer fetch: a probe job committed elsewhere
    // wakes it, and once the probe ran that fetch is over. It could not see the open insert.
    const { job: probe } = await insertOnly.insert(otherDb, noop, {});
    await started(probe.id);
    expect(startedAt.has(inTx)).toBe(false);
    const { rows } = await otherPool.query('SELECT count(*)::int AS n FROM river_job WHERE id = $1', [inTx]);
    expect(rows[0].n).toBe(0);
  });
  const committed = Date.now();
  expect((await started(inTx)) - committed).toBeLessThan(PROMPT_MS);
  expect(await waitFor(async () => (await jobRow(t, inTx)).state === 'completed')).toBe(true);
});

test('a rolled-back insert never runs', async () => {
  let rolledBack = 0;
  await t.db
    .transaction(async (tx) => {
      ({ job: { id: rolledBack } } = await client.insert(tx, noop, {}));
      throw new Error('roll back');
    })
    .catch(() => {});
  // A committed job inserted after it starts, so any wake-up the rolled-back one caused is over.
  const { job } = await insertOnly.insert(otherDb, noop, {});
  await started(job.id);
  expect(startedAt.has(rolledBack)).toBe(false);
  expect(await t.query('SELECT id FROM river_job WHERE id = $1', [rolledBack])).toEqual([]);
});

test('while its LISTEN connection is down, an insert through the started client still wakes it at once', async () => {
  const applicationName = 'wake_without_listen';
  const own = new pg.Pool({ connectionString: t.url, application_name: applicationName, max: 5 });
  own.on('error', () => {});
  // Once armed, connects (the notifier's reconnects) wait until the end of the test.
  let gate: Promise<void> | undefined;
  let openGate = () => {};
  const pool = {
    query: (text: string, values?: unknown[]) => own.query(text, values),
    connect: async () => {
      if (gate) await gate;
      return own.connect();
    },
  };
  const ran = new Map<number, number>();
  const warnings: string[] = [];
  const queue = 'listen_down';
  const direct = new Client({
    pool,
    logger: { ...quietLogger, warn: (message: string) => void warnings.push(message) },
    fetchCooldown: 5,
    fetchPollInterval: 60_000,
    queues: { [queue]: { maxWorkers: 2 } },
    workers: [work(noop, (job) => void ran.set(job.id, Date.now()))],
  });
  try {
    await direct.start();
    const { job: warmUp } = await direct.insert(t.db, noop, {}, { queue });
    await waitFor(() => ran.has(warmUp.id), { message: 'the warm-up job' });
    const [pid] = await t.query(`SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`, [applicationName]);
    gate = new Promise((resolve) => (openGate = resolve));
    await t.query('SELECT pg_terminate_backend($1)', [pid!.pid]);
    // The client knows its LISTEN connection is gone (and its reconnect is held at the gate).
    await waitFor(() => warnings.some((w) => w.includes('LISTEN connection lost')), { message: 'the lost LISTEN connection' });

    const { job } = await direct.insert(t.db, noop, {}, { queue });
    const committed = Date.now();
    const startedAt = await waitFor(() => ran.get(job.id), { timeoutMs: 10_000, message: `job ${job.id} to start` });
    expect(startedAt - committed).toBeLessThan(PROMPT_MS);
  } finally {
    openGate();
    await direct.stop();
    await own.end();
  }
});
