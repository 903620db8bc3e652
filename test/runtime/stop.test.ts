import { expect, test } from 'vitest';
import { Client, JobCancelError, work, type ClientConfig } from '../../src/index.js';
import { spyOnFetches } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { jobRow, quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const inserter = new Client();

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** A client on its own queue, so jobs left over by one test never reach another's client. */
function makeClient(queue: string, config: Partial<ClientConfig>) {
  return new Client({ pool: t.pool, logger: quietLogger, fetchCooldown: 5, fetchPollInterval: 50, queues: { [queue]: { maxWorkers: 5 } }, ...config });
}

/** A worker that runs until its signal aborts, then rethrows the reason, as well-behaved workers do. */
function untilAborted(started: () => void, seen: { aborted?: boolean; reason?: unknown }) {
  return work(noop, (_job, { signal }) => {
    started();
    return new Promise((_resolve, reject) =>
      signal.addEventListener('abort', () => {
        seen.aborted = signal.aborted;
        seen.reason = signal.reason;
        reject(signal.reason);
      }),
    );
  });
}

test('stop() waits for the running job and stores it completed; nothing is fetched once it began', async () => {
  const spy = spyOnFetches(t.pool);
  const started = deferred();
  const order: string[] = [];
  const ran: number[] = [];
  const client = makeClient('soft', {
    pool: spy.pool,
    workers: [
      work(noop, async (job) => {
        ran.push(job.id);
        started.resolve();
        await new Promise((resolve) => setTimeout(resolve, 300));
        order.push('handler finished');
      }),
    ],
  });
  await client.start();
  const { job } = await inserter.insert(t.db, noop, {}, { queue: 'soft' });
  await started.promise;

  const first = client.stop();
  const second = client.stop();
  const fetchesAtStop = spy.fetches.length;
  void first.then(() => order.push('stop resolved'));
  // Inserted while the client stops, through another client and through the stopping one.
  const late = [
    await inserter.insert(t.db, noop, {}, { queue: 'soft' }),
    await client.insert(t.db, noop, {}, { queue: 'soft' }),
  ];
  expect((await jobRow(t, job.id)).state).toBe('running');

  await Promise.all([first, second]);
  expect(order).toEqual(['handler finished', 'stop resolved']);
  expect(await jobRow(t, job.id)).toMatchObject({ state: 'completed', attempt: 1 });
  // About six polls would have come due while the handler ran out its 300 ms.
  expect(spy.fetches.length).toBe(fetchesAtStop);
  expect(ran).toEqual([job.id]);
  for (const { job: l } of late) expect(await jobRow(t, l.id)).toMatchObject({ state: 'available', attempt: 0, attempted_by: null });
  await client.stop(); // and once more after it stopped
});

test('stopAndCancel() aborts the running job; the attempt fails with its error recorded and is retried', async () => {
  const started = deferred();
  const seen: { aborted?: boolean; reason?: unknown } = {};
  const client = makeClient('hard', { workers: [untilAborted(started.resolve, seen)] });
  await client.start();
  const { job } = await inserter.insert(t.db, noop, {}, { queue: 'hard' });
  await started.promise;
  expect((await jobRow(t, job.id)).state).toBe('running');

  await client.stopAndCancel();
  expect(seen.aborted).toBe(true);
  expect(seen.reason).toBeInstanceOf(Error);
  expect(seen.reason).not.toBeInstanceOf(JobCancelError);
  expect((seen.reason as Error).message).toMatch(/stopAndCancel/);
  const row = await jobRow(t, job.id);
  expect(row).toMatchObject({ state: 'retryable', attempt: 1, finalized_at: null });
  expect(row.errors).toHaveLength(1);
  expect(row.errors[0]).toMatchObject({ attempt: 1, error: 'client stopped with stopAndCancel()' });
  // Retried after the default backoff, not at once.
  expect(row.scheduled_at.getTime()).toBeGreaterThan(row.attempted_at.getTime());
});

test('stopAndCancel() during a soft stop aborts the job it was waiting for; both resolve', async () => {
  const started = deferred();
  const seen: { aborted?: boolean; reason?: unknown } = {};
  const client = makeClient('escalate', { workers: [untilAborted(started.resolve, seen)] });
  await client.start();
  const { job } = await inserter.insert(t.db, noop, {}, { queue: 'escalate' });
  await started.promise;

  const soft = client.stop();
  // Let the soft stop get under way (it is waiting on the job) before escalating.
  await new Promise((resolve) => setImmediate(resolve));
  expect(seen.aborted).toBeUndefined();
  const hard = client.stopAndCancel();
  await Promise.all([soft, hard]);
  expect(seen.aborted).toBe(true);
  expect(await jobRow(t, job.id)).toMatchObject({ state: 'retryable', attempt: 1 });
});

test('a job handed over by a fetch in flight when stopAndCancel() began is given back to its queue, never started', async () => {
  // Holds the next fetch until released, so it is still in flight when the hard stop begins.
  let held: (() => void) | undefined;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const pool = {
    query: async (text: string, values?: unknown[]) => {
      if (text.includes('FOR UPDATE SKIP LOCKED') && text.includes('attempted_by = (array_append') && held) { // the fetch, not the scheduler
        held();
        held = undefined;
        await released;
      }
      return t.pool.query(text, values);
    },
    connect: () => t.pool.connect(),
  };
  let abortedAtStart: boolean | undefined;
  const worker = work(noop, (_job, { signal }) => {
    abortedAtStart = signal.aborted;
    if (signal.aborted) throw signal.reason;
    // Gives up after 3 s, so a missed abort fails the assertions below instead of hanging stop().
    return new Promise<void>((resolve, reject) => {
      const fallback = setTimeout(resolve, 3000);
      signal.addEventListener('abort', () => (clearTimeout(fallback), reject(signal.reason)));
    });
  });
  // The job exists first and the client's very first fetch is the held one: start() resolves
  // with that fetch still in flight, and no other fetch of the queue can run beside it.
  const { job } = await inserter.insert(t.db, noop, {}, { queue: 'in_flight' });
  const fetchHeld = new Promise<void>((resolve) => (held = resolve));
  const client = makeClient('in_flight', { pool, workers: [worker] });
  await client.start();
  await fetchHeld;

  const stopping = client.stopAndCancel();
  release();
  await stopping;
  expect(abortedAtStart).toBeUndefined();
  expect(await jobRow(t, job.id)).toMatchObject({ state: 'available', attempt: 0 });
});
