// client.waitFor(): woken by the finalizing statement's notification, across processes. The
// waiting client's fallback re-check is 10 minutes here, so a wait that ends within the test's
// deadline was ended by a notification (or, where a test says so, by the re-check after a
// reconnect), not by the slow re-check.
import * as v from 'valibot';
import { afterAll, beforeEach, describe, expect, test } from 'vitest';
import { Client, defineJob, JobFailedError, NotFoundError, WaitTimeoutError, work, type JobRow } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { spawnChildClient, type ChildClient } from '../support/child-client.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const gated = defineJob({ kind: 'gated', args: v.object({ fail: v.optional(v.boolean()) }) });
const hold = defineJob({ kind: 'hold', args: v.object({ label: v.optional(v.string()) }) });
/** A queue no client works: its jobs stay put until a test finalizes them. */
const idle = defineJob({ kind: 'idle', args: v.object({}), insertOpts: { queue: 'idle' } });

const LONG_RECHECK_MS = 600_000;
const waiter = new Client({ pool: t.pool, waitRecheckInterval: LONG_RECHECK_MS, logger: quietLogger });
// A child client of its own for each test that needs one (test/support kills them after each test).
let child: ChildClient;
beforeEach(async (context) => {
  if (context.task.suite?.name === 'across processes') child = await spawnChildClient(t.url);
});
afterAll(() => waiter.stop());

/** Resolves once the job carries waitFor's mark, so what the test does next is waited for. */
const marked = (id: number) =>
  waitFor(async () => (await t.query(`SELECT metadata ? 'tributary:notify' AS m FROM river_job WHERE id = $1`, [id]))[0]?.m, { message: `job ${id} marked` });

const started = (id: number) => child.waitFor((m) => m.type === 'started' && m.id === id);
const release = (id: number) => child.process.send({ type: 'release', id });

/** The rejection of `promise`, failing the test if it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

/** Backends of this database LISTENing for finalized jobs. */
async function finalizedListeners(): Promise<number[]> {
  const rows = await t.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN %tributary_finalized%'`);
  return rows.map((r) => r.pid);
}

describe('across processes', () => {
  test('resolves with the completed row when another process completes the job', async () => {
    const inserted = await waiter.insert(t.db, gated, {});
    await started(inserted.job.id);
    const waiting = waiter.waitFor(inserted);
    await marked(inserted.job.id);
    release(inserted.job.id);
    const job = await waiting;
    expect(job).toMatchObject({ id: inserted.job.id, state: 'completed', kind: 'gated', attemptedBy: [child.id] });
    expect(job.finalizedAt).toBeInstanceOf(Date);
  });

  test('rejects with a JobFailedError carrying the row and its last error when the job is discarded', async () => {
    const { job } = await waiter.insert(t.db, gated, { fail: true }, { maxAttempts: 1 });
    await started(job.id);
    const waiting = rejection(waiter.waitFor(job));
    await marked(job.id);
    release(job.id);
    const error = (await waiting) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.job).toMatchObject({ id: job.id, state: 'discarded' });
    expect(error.lastError).toMatchObject({ attempt: 1, error: 'gated job failed on purpose' });
    expect(error.message).toBe(`job ${job.id} (gated) was discarded: gated job failed on purpose`);
  });

  test('rejects with a JobFailedError when the running job is cancelled', async () => {
    const { job } = await waiter.insert(t.db, hold, {});
    await started(job.id);
    const waiting = rejection(waiter.waitFor(job.id));
    await marked(job.id);
    await waiter.jobCancel(job.id);
    const error = (await waiting) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.job.state).toBe('cancelled');
    expect(error.lastError?.error).toBe('job cancelled while running');
  });

  test('a job cancelled before it runs rejects at once with no last error', async () => {
    const { job } = await waiter.insert(t.db, idle, {});
    const waiting = rejection(waiter.waitFor(job));
    await marked(job.id);
    await waiter.jobCancel(job.id);
    const error = (await waiting) as JobFailedError;
    expect(error.job.state).toBe('cancelled');
    expect(error.lastError).toBeUndefined();
    expect(error.message).toBe(`job ${job.id} (idle) was cancelled`);
  });
});

describe('settling at once', () => {
  test('a job already completed resolves, and one already discarded rejects', async () => {
    const { job: done } = await waiter.insert(t.db, idle, {});
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [done.id]);
    expect(await waiter.waitFor(done.id)).toMatchObject({ id: done.id, state: 'completed' });

    const { job: failed } = await waiter.insert(t.db, idle, {});
    await t.query(`UPDATE river_job SET state = 'discarded', finalized_at = now(), errors = ARRAY['{"at":"2026-01-01T00:00:00Z","attempt":1,"error":"by hand","trace":""}'::jsonb] WHERE id = $1`, [failed.id]);
    const error = (await rejection(waiter.waitFor(failed.id))) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.lastError?.error).toBe('by hand');
  });

  test('an unknown id rejects with a NotFoundError', async () => {
    const error = await rejection(waiter.waitFor(987_654_321));
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe('job 987654321 not found');
  });
});

describe('timeout and abort', () => {
  test('a timeout rejects with a WaitTimeoutError; the job is left as it was', async () => {
    const { job } = await waiter.insert(t.db, idle, {});
    const error = await rejection(waiter.waitFor(job, { timeout: 50 }));
    expect(error).toBeInstanceOf(WaitTimeoutError);
    expect(error).toMatchObject({ jobId: job.id, timeoutMs: 50 });
    expect((error as Error).message).toBe(`job ${job.id} was not finalized within 50 ms (waitFor's timeout); it may still run`);
    expect((await waiter.jobGet(job.id))?.state).toBe('available');
  });

  test('an abort rejects with the signal\'s reason; an already aborted signal at once', async () => {
    const { job } = await waiter.insert(t.db, idle, {});
    const controller = new AbortController();
    const waiting = rejection(waiter.waitFor(job, { signal: controller.signal }));
    await marked(job.id);
    const reason = new Error('user went away');
    controller.abort(reason);
    expect(await waiting).toBe(reason);
    expect(await rejection(waiter.waitFor(job, { signal: AbortSignal.abort('gone') }))).toBe('gone');
  });
});

describe('without a notification', () => {
  // A short re-check: what announces nothing is noticed by it.
  const rechecking = new Client({ pool: t.pool, waitRecheckInterval: 50, logger: quietLogger });
  afterAll(() => rechecking.stop());

  test('a job finalized by a client that sends no notification (as River\'s) resolves on the re-check', async () => {
    const { job } = await rechecking.insert(t.db, idle, {});
    const waiting = rechecking.waitFor(job);
    await marked(job.id);
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [job.id]);
    expect(await waiting).toMatchObject({ id: job.id, state: 'completed' });
  });

  test('a job deleted while waited for rejects with a NotFoundError', async () => {
    const { job } = await rechecking.insert(t.db, idle, {});
    const waiting = rejection(rechecking.waitFor(job));
    await marked(job.id);
    await rechecking.jobDelete(job.id);
    expect(await waiting).toBeInstanceOf(NotFoundError);
  });
});

describe('many waiters', () => {
  test('2,000 waits share one LISTEN connection and all resolve as a worker completes their jobs', async () => {
    const many = new Client({ pool: t.pool, waitRecheckInterval: LONG_RECHECK_MS, logger: quietLogger });
    const before = await finalizedListeners();
    const results = await waiter.insertMany(t.db, Array.from({ length: 2000 }, (_, n) => ({ job: noop, args: { n }, opts: { queue: 'later' } })));
    const waits = results.map((r) => many.waitFor(r));
    await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE queue = 'later' AND metadata ? 'tributary:notify'`))[0]!.n >= 2000, { message: '2,000 jobs marked' });
    expect((await finalizedListeners()).filter((pid) => !before.includes(pid))).toHaveLength(1);
    // Started only now, so every job is finalized by the completer's batch statement while waited for.
    await startClient(t, { queues: { later: { maxWorkers: 50 } }, workers: [work(noop, () => {})] });
    const jobs: JobRow<{ n?: number }>[] = await Promise.all(waits);
    expect(jobs.map((j) => [j.args.n, j.state])).toEqual(results.map((r) => [r.job.args.n, 'completed']));
    await many.stop();
  });
});

describe('the LISTEN connection', () => {
  test('killed while waiting: it reconnects and re-reads, so a job finalized meanwhile is not missed', async () => {
    const { job } = await waiter.insert(t.db, idle, {});
    const waiting = waiter.waitFor(job);
    await marked(job.id);
    const [pid] = await finalizedListeners();
    expect(pid).toBeDefined();
    // Finalized in the statement that kills the connection, and without a notification (as River
    // does): only the re-read after the reconnect can see it.
    await t.query(`WITH killed AS (SELECT pg_terminate_backend($1)) UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $2 AND (SELECT true FROM killed)`, [pid, job.id]);
    expect(await waiting).toMatchObject({ id: job.id, state: 'completed' });
    const after = await waitFor(async () => (await finalizedListeners()).filter((p) => p !== pid).length > 0 && (await finalizedListeners()));
    expect(after).not.toContain(pid);
  });

  test('after a reconnect, notifications wake waiters again', async () => {
    const { job: first } = await waiter.insert(t.db, idle, {});
    const keepOpen = waiter.waitFor(first).catch(() => {});
    await marked(first.id);
    const [pid] = await finalizedListeners();
    await t.query('SELECT pg_terminate_backend($1)', [pid]);
    await waitFor(async () => (await finalizedListeners()).some((p) => p !== pid), { message: 'a new LISTEN backend' });
    const { job } = await waiter.insert(t.db, idle, {});
    const waiting = rejection(waiter.waitFor(job));
    await marked(job.id);
    await waiter.jobCancel(job.id);
    expect(((await waiting) as JobFailedError).job.state).toBe('cancelled');
    await waiter.jobCancel(first.id);
    await keepOpen;
  });
});

describe('bad input', () => {
  test('arguments and options are validated, naming the field', async () => {
    const message = async (promise: Promise<unknown>) => ((await rejection(promise)) as Error).message;
    expect(await message(waiter.waitFor('42' as never))).toBe('waitFor(): job: must be a job id, a job row or an insert result');
    expect(await message(waiter.waitFor(-3))).toBe('waitFor(): id: must be a positive integer job id, got -3');
    expect(await message(waiter.waitFor(1, { timout: 5 } as never))).toMatch(/^waitFor\(\): options\.timout: .*did you mean "timeout"\?/);
    expect(await message(waiter.waitFor(1, { timeout: -1 }))).toBe('waitFor(): options.timeout: must be a whole number of milliseconds from 0 to 2147483647, got -1');
    expect(await message(waiter.waitFor(1, { signal: {} as AbortSignal }))).toBe('waitFor(): options.signal: must be an AbortSignal');
    expect(await message(new Client().waitFor(1))).toBe('waitFor(): pool: is needed to wait for jobs: pass a node-postgres Pool to new Client()');
    expect(() => new Client({ waitRecheckInterval: 5 })).toThrow('new Client(): waitRecheckInterval: must be a whole number of milliseconds >= 10, got 5');
  });

  test('stop() rejects the waits under way, and a stopped client waits no more', async () => {
    const client = new Client({ pool: t.pool, logger: quietLogger });
    const { job } = await client.insert(t.db, idle, {});
    const waiting = rejection(client.waitFor(job));
    await marked(job.id);
    await client.stop();
    expect(((await waiting) as Error).message).toBe(`waitFor(${job.id}): the client stopped while waiting`);
    expect(((await rejection(client.waitFor(job))) as Error).message).toBe(`waitFor(${job.id}): the client is stopped`);
  });
});
