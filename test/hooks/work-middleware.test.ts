// Work middleware: wraps each attempt, first outermost, inside the job's timeout; sees what the
// worker returns or throws (cancel, snooze, timeout included); a throw fails the attempt.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, JobSnoozeError, JobTimeoutError, work, type Middleware, type WorkMiddlewareContext } from '../../src/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const HOUR = 3_600_000;
const task = defineJob({ kind: 'task', args: v.object({ mode: v.string(), n: v.optional(v.number(), 7) }) });

/** Rejects with the reason the signal is aborted with, as well-behaved workers do. */
const untilAborted = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

/** What each middleware saw: the context and how next() settled. */
interface Seen {
  name: string;
  ctx: WorkMiddlewareContext;
  value?: unknown;
  error?: unknown;
}

function recorder(name: string, seen: Seen[], log: string[]): Middleware {
  return {
    async work(ctx, next) {
      log.push(`${name}:before`);
      const entry: Seen = { name, ctx };
      seen.push(entry);
      try {
        entry.value = await next();
        return entry.value;
      } catch (error) {
        entry.error = error;
        throw error;
      } finally {
        log.push(`${name}:after`);
      }
    },
  };
}

function taskWorker(log: string[]) {
  return work(task, async (job, { signal }) => {
    log.push('worker');
    switch (job.args.mode) {
      case 'fail': throw new Error('worker failed');
      case 'cancel': throw new JobCancelError('no longer wanted');
      case 'snooze': throw new JobSnoozeError(HOUR);
      case 'hang': return untilAborted(signal);
      default: return { doubled: job.args.n * 2 };
    }
  }, { nextRetry: () => HOUR, timeout: 200 });
}

test('runs around the worker, first outermost, with the parsed job and the worker context', async () => {
  const seen: Seen[] = [];
  const log: string[] = [];
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    workers: [taskWorker(log)],
    middleware: [recorder('outer', seen, log), { insert: (_ctx, next) => next() }, recorder('inner', seen, log)],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'ok' });
  await waitForState(t, job.id, 'completed');
  await waitFor(() => log.length === 5, { message: 'both middleware to finish' });
  expect(log).toEqual(['outer:before', 'inner:before', 'worker', 'inner:after', 'outer:after']);
  const { ctx, value } = seen[0]!;
  // The schema's default (n: 7) is applied: the middleware sees what the worker sees.
  expect(ctx.job).toMatchObject({ id: job.id, kind: 'task', state: 'running', attempt: 1, args: { mode: 'ok', n: 7 } });
  expect(ctx.signal).toBeInstanceOf(AbortSignal);
  expect(ctx.client).toBe(client);
  expect(value).toEqual({ doubled: 14 });
  expect(seen[1]!.value).toEqual({ doubled: 14 });
});

test("passes the worker's error, cancel and snooze through unchanged; outcomes are the worker's", async () => {
  const seen: Seen[] = [];
  const log: string[] = [];
  await startClient(t, { queues: { default: { maxWorkers: 3 } }, workers: [taskWorker(log)], middleware: [recorder('m', seen, log)] });
  const fail = await inserter.insert(t.db, task, { mode: 'fail' });
  const cancel = await inserter.insert(t.db, task, { mode: 'cancel' });
  const snooze = await inserter.insert(t.db, task, { mode: 'snooze' });
  expect((await waitForState(t, fail.job.id, 'retryable')).errors[0]).toMatchObject({ error: 'worker failed' });
  await waitForState(t, cancel.job.id, 'cancelled');
  expect((await waitForState(t, snooze.job.id, 'scheduled')).metadata).toMatchObject({ snoozes: 1 });
  await waitFor(() => seen.filter((s) => 'error' in s).length === 3, { message: 'the middleware to see three failures' });
  const errorOf = (id: number) => seen.find((s) => s.ctx.job.id === id)?.error;
  expect(errorOf(fail.job.id)).toMatchObject({ message: 'worker failed' });
  expect(errorOf(cancel.job.id)).toBeInstanceOf(JobCancelError);
  expect(errorOf(snooze.job.id)).toBeInstanceOf(JobSnoozeError);
});

test('sees a timeout as a JobTimeoutError from next(), and cannot swallow it', async () => {
  const seen: Seen[] = [];
  const log: string[] = [];
  const swallow: Middleware = { work: (_ctx, next) => next().catch(() => 'swallowed') };
  await startClient(t, { queues: { default: { maxWorkers: 1 } }, workers: [taskWorker(log)], middleware: [recorder('m', seen, log), swallow] });
  const { job } = await inserter.insert(t.db, task, { mode: 'hang' });
  const row = await waitForState(t, job.id, 'retryable');
  expect(row.errors[0]).toMatchObject({ error: 'job timed out after 200 ms' });
  // The outer middleware saw the inner one return, but the attempt still timed out.
  await waitFor(() => seen[0] && 'value' in seen[0], { message: 'the outer middleware to finish' });
  expect(seen[0]!.value).toBe('swallowed');
});

test('a middleware that hangs is bounded by the timeout too', async () => {
  const log: string[] = [];
  let release!: () => void;
  const hanging = new Promise<void>((resolve) => (release = resolve));
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [taskWorker(log)],
    middleware: [{ work: () => hanging }],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'ok' });
  expect((await waitForState(t, job.id, 'retryable')).errors[0]).toMatchObject({ error: 'job timed out after 200 ms' });
  expect(log).toEqual([]);
  release(); // the slot it holds is freed once it returns, so the client can stop
});

test('a throw fails the attempt as a worker throwing would; the worker does not run', async () => {
  const log: string[] = [];
  const handled: unknown[] = [];
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [taskWorker(log)],
    errorHandler: (error) => void handled.push(error),
    middleware: [{ work: () => { throw new Error('middleware refused'); } }],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'ok' });
  const row = await waitForState(t, job.id, 'retryable');
  expect(row.errors[0]).toMatchObject({ attempt: 1, error: 'middleware refused' });
  expect(handled).toHaveLength(1);
  expect(log).toEqual([]);
});

test('a middleware may throw JobCancelError itself', async () => {
  const log: string[] = [];
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [taskWorker(log)],
    middleware: [{ work: ({ job }, next) => (job.args.mode === 'blocked' ? Promise.reject(new JobCancelError('blocked by middleware')) : next()) }],
  });
  const blocked = await inserter.insert(t.db, task, { mode: 'blocked' });
  const fine = await inserter.insert(t.db, task, { mode: 'ok' });
  expect((await waitForState(t, blocked.job.id, 'cancelled')).errors[0]).toMatchObject({ error: 'blocked by middleware' });
  await waitForState(t, fine.job.id, 'completed');
  expect(log).toEqual(['worker']);
});

test('calling next() twice fails the attempt instead of running the worker twice', async () => {
  const log: string[] = [];
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [taskWorker(log)],
    middleware: [{ work: async (_ctx, next) => (await next(), next()) }],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'ok' });
  expect((await waitForState(t, job.id, 'retryable')).errors[0]).toMatchObject({ error: 'middleware[0].work called next() twice' });
  expect(log).toEqual(['worker']);
});

test('JobTimeoutError is what the timed-out worker signal carries too', async () => {
  let reason: unknown;
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [work(task, (_job, { signal }) => { signal.addEventListener('abort', () => (reason = signal.reason)); return untilAborted(signal); }, { timeout: 100, nextRetry: () => HOUR })],
    middleware: [{ work: (_ctx, next) => next() }],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'x' });
  await waitForState(t, job.id, 'retryable');
  expect(reason).toBeInstanceOf(JobTimeoutError);
});

test("a middleware that drops next()'s promise decides the outcome, and its rejection is not unhandled", async () => {
  const log: string[] = [];
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [taskWorker(log)],
    middleware: [{ work: (_ctx, next) => void next() }],
  });
  const { job } = await inserter.insert(t.db, task, { mode: 'fail' });
  // Vitest fails the run on an unhandled rejection, which the worker's 'boom' would be.
  await waitForState(t, job.id, 'completed');
  expect(log).toEqual(['worker']);
});
