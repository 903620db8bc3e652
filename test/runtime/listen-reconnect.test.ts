import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { spyOnFetches } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const spy = spyOnFetches(t.pool);
// Long enough that a notification pickup on a busy machine (hundreds of ms) is still told from a poll.
const POLL_MS = 2000;
const startedAt = new Map<number, number>();
const warnings: string[] = [];
const client = new Client({
  pool: spy.pool,
  logger: { ...quietLogger, warn: (message: string) => void warnings.push(message) },
  fetchCooldown: 5,
  fetchPollInterval: POLL_MS,
  queues: { default: { maxWorkers: 5 } },
  workers: [work(noop, (job) => void startedAt.set(job.id, Date.now()))],
});

const started = (id: number, timeoutMs = 10_000) => waitFor(() => startedAt.get(id), { timeoutMs, message: `job ${id} to start` });

/** Backends of the test database whose last statement was a LISTEN: a client's notifier. */
async function listenPids(applicationName = ''): Promise<number[]> {
  const rows = await t.query(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%' AND application_name = $1 AND pid <> pg_backend_pid()`,
    [applicationName],
  );
  return rows.map((r) => r.pid);
}

/**
 * Inserts a job just after an idle poll, so the next poll is about POLL_MS away, and returns how
 * long it took to start: well under POLL_MS only if a notification woke the producer.
 */
async function pickupAfterPoll(): Promise<number> {
  const from = spy.fetches.length;
  // Two fetches of an idle producer, a poll interval apart: the second is a poll tick. It must
  // have been answered, or the job could be inserted before that fetch ran, and found by it.
  await waitFor(() => {
    const f = spy.fetches;
    const last = f.at(-1)!;
    return f.length >= from + 2 && last.at - f.at(-2)!.at >= POLL_MS * 0.8 && last.doneAt && Date.now() - last.at < 100;
  }, { intervalMs: 5, message: 'an idle poll' });
  const { job } = await inserter.insert(t.db, noop, {});
  const committed = Date.now();
  return (await started(job.id)) - committed;
}

beforeAll(() => client.start());
afterAll(() => client.stop());

test('one LISTEN backend; an insert wakes the producer between polls', async () => {
  expect(await listenPids()).toHaveLength(1);
  expect(await pickupAfterPoll()).toBeLessThan(POLL_MS / 2);
});

test('after the LISTEN backend is terminated, jobs keep flowing and a new LISTEN backend wakes the producer again', async () => {
  for (let round = 0; round < 3; round++) {
    const [old] = await listenPids();
    expect(old).toBeDefined();
    await t.query('SELECT pg_terminate_backend($1)', [old]);

    // Inserted at once: its notification may well be lost, but polling still runs it.
    const { job } = await inserter.insert(t.db, noop, {});
    await started(job.id);

    const pids = await waitFor(async () => {
      const now = await listenPids();
      return now.length === 1 && now[0] !== old ? now : undefined;
    }, { timeoutMs: 10_000, message: 'a new LISTEN backend' });
    expect(pids[0]).not.toBe(old);
    expect(await pickupAfterPoll()).toBeLessThan(POLL_MS / 2);
  }
  expect(warnings.filter((w) => w.includes('LISTEN connection lost'))).toHaveLength(3);
});

test('control notifications arrive on the new connection too', async () => {
  const paused = new Promise((resolve) => client.on('queue_paused', resolve));
  await t.query(`SELECT pg_notify('public.river_control', '{"action":"pause","queue":"default"}')`);
  expect(await paused).toEqual({ queue: 'default' });
  const resumed = new Promise((resolve) => client.on('queue_resumed', resolve));
  await t.query(`SELECT pg_notify('public.river_control', '{"action":"resume","queue":"default"}')`);
  expect(await resumed).toEqual({ queue: 'default' });
});

test('a client stopped while its LISTEN connection is reconnecting releases the new connection', async () => {
  const applicationName = 'stop_while_reconnecting';
  const own = new pg.Pool({ connectionString: t.url, application_name: applicationName, max: 5 });
  own.on('error', () => {});
  const checkedOut = new Set<pg.PoolClient>();
  let gate: Promise<void> | undefined;
  let openGate!: () => void;
  let reconnecting!: () => void;
  const reconnectStarted = new Promise<void>((resolve) => (reconnecting = resolve));
  let reconnected!: () => void;
  const reconnectConnected = new Promise<void>((resolve) => (reconnected = resolve));
  const pool = {
    query: (text: string, values?: unknown[]) => own.query(text, values),
    // Once armed, a connect (the notifier's reconnect) waits for the gate.
    connect: async () => {
      const gated = gate;
      if (gated) {
        reconnecting();
        await gated;
      }
      const connection = await own.connect();
      checkedOut.add(connection);
      const release = connection.release.bind(connection);
      connection.release = (error?: Error | boolean) => (checkedOut.delete(connection), release(error));
      if (gated) reconnected();
      return connection;
    },
  };
  const other = new Client({ pool, logger: quietLogger, fetchPollInterval: POLL_MS, queues: { other: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
  try {
    await other.start();
    const [pid] = await waitFor(async () => {
      const pids = await listenPids(applicationName);
      return pids.length === 1 ? pids : undefined;
    });
    gate = new Promise((resolve) => (openGate = resolve));
    await t.query('SELECT pg_terminate_backend($1)', [pid]);
    await reconnectStarted;

    await other.stop();
    openGate();
    await reconnectConnected;
    await waitFor(() => checkedOut.size === 0, { timeoutMs: 3000, message: 'the reconnected LISTEN connection to be released after stop()' });
    expect(await listenPids(applicationName)).toEqual([]);
  } finally {
    openGate?.();
    await other.stop();
    // A leaked connection: ending it makes its owner release it.
    await Promise.all([...checkedOut].map((connection) => connection.end().catch(() => {})));
    await own.end();
  }
});
