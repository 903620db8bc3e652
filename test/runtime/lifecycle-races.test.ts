// The client's lifecycle when calls overlap or starting fails half way, and the limits a started
// client keeps: at most maxWorkers jobs at once, only its own queues.
import * as v from 'valibot';
import { afterEach, expect, test, vi } from 'vitest';
import { Client, defineJob, work, type PgPool, type PgPoolClient } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { jobRow, quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const queues = { default: { maxWorkers: 1 } };

afterEach(() => void vi.useRealTimers());

/** Whether the client's runtime still holds a pool connection (its LISTEN connection). */
const connectionsInUse = () => t.pool.totalCount - t.pool.idleCount;

test('stop() then start() in the same tick: start rejects and nothing is left running', async () => {
  const client = new Client({ pool: t.pool, queues, workers: [work(noop, () => {})], logger: quietLogger });
  const inUseBefore = connectionsInUse();
  const stopped = client.stop();
  const started = client.start().then(() => 'started', (error: Error) => error.message);
  await stopped;
  const outcome = await started;
  const leaked = connectionsInUse() - inUseBefore;
  // Clean up what a buggy start left behind, so the failure stays in this test.
  if (outcome === 'started') await (client as unknown as { runtime?: { stop(): Promise<void> } }).runtime?.stop();
  expect(outcome).toMatch(/a stopped client cannot start again/);
  expect(leaked).toBe(0);
});

test('stopAndCancel() in the same tick as stop() still aborts the running job', async () => {
  let started = false;
  let abortedBy: unknown;
  const client = await startClient(t, {
    queues,
    workers: [work(noop, (_job, { signal }) => {
      started = true;
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject((abortedBy = signal.reason))));
    }, { timeout: 3000 })],
  });
  const { job } = await inserter.insert(t.db, noop, {});
  await waitFor(() => started, { message: 'the job to start' });
  void client.stop();
  await client.stopAndCancel();
  expect((abortedBy as Error | undefined)?.message).toBe('client stopped with stopAndCancel()');
  expect((await jobRow(t, job.id)).errors[0].error).toBe('client stopped with stopAndCancel()');
});

test('start() against a database without the tables rejects saying so and releases its connections', async () => {
  const empty = await createTestDatabase({ empty: true });
  const client = new Client({ pool: empty.pool, queues, workers: [work(noop, () => {})], logger: quietLogger });
  await expect(client.start()).rejects.toThrow(/tables are missing .*\(missing: river_job, river_queue, river_leader\)/);
  // No connection is left checked out (the check fails before the runtime takes its LISTEN connection).
  expect(empty.pool.totalCount - empty.pool.idleCount).toBe(0);
  await expect(client.start()).rejects.toThrow(/a stopped client cannot start again/);
  await client.stop();
});

test('when one queue fails to start, the queues that start later do not keep running', async () => {
  vi.useFakeTimers();
  const upserts: string[] = [];
  let releaseB!: () => void;
  const bUpserted = new Promise<void>((resolve) => (releaseB = resolve));
  const connection = {
    query: async () => ({ rows: [] }),
    release() {},
    on() { return connection; },
    removeAllListeners() { return connection; },
  } as unknown as PgPoolClient;
  const pool: PgPool = {
    async query(text, values = []) {
      if (text.includes('current_schema')) return { rows: [{ s: 'public' }] };
      if (text.includes('river_queue')) {
        upserts.push(String(values[0]));
        if (values[0] === 'a') throw new Error('connection reset while starting queue a');
        await bUpserted;
        return { rows: [{ paused: false }] };
      }
      return { rows: [] };
    },
    connect: async () => connection,
  };
  const client = new Client({ pool, queues: { a: { maxWorkers: 1 }, b: { maxWorkers: 1 } }, workers: [work(noop, () => {})], logger: quietLogger });
  await expect(client.start()).rejects.toThrow('connection reset while starting queue a');
  releaseB(); // queue b's first upsert returns only after start() has failed and stopped
  await vi.advanceTimersByTimeAsync(5 * 60_000);
  // A producer still running would refresh its queue row every 30 s.
  expect(upserts).toEqual(['a', 'b']);
});

test('never more than maxWorkers jobs of a queue at once', async () => {
  const item = defineJob({ kind: 'item', args: v.object({ n: v.number() }) });
  let running = 0;
  let most = 0;
  await t.db.transaction((tx) => inserter.insertMany(tx, Array.from({ length: 12 }, (_, n) => ({ job: item, args: { n } }))));
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 3 } },
    workers: [work(item, async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 40));
      running--;
    })],
  });
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE kind = 'item' AND state = 'completed'`))[0]!.n === 12, { message: '12 completed' });
  expect(most).toBe(3);
  const rows = await t.query(`SELECT DISTINCT attempted_by FROM river_job WHERE kind = 'item'`);
  expect(rows).toEqual([{ attempted_by: [client.id] }]);
});

test('a client works only its own queues', async () => {
  const seen: string[] = [];
  const client = await startClient(t, { queues: { mine: { maxWorkers: 2 } }, workers: [work(noop, (job) => void seen.push(job.queue))] });
  const theirs = await inserter.insert(t.db, noop, {}, { queue: 'theirs' });
  const mine = await inserter.insert(t.db, noop, {}, { queue: 'mine' });
  // The fetch that took `mine` ran after `theirs` was committed.
  expect((await waitForState(t, mine.job.id, 'completed')).attempted_by).toEqual([client.id]);
  expect(await jobRow(t, theirs.job.id)).toMatchObject({ state: 'available', attempt: 0, attempted_by: null });
  expect(seen).toEqual(['mine']);
});
