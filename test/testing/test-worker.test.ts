// testWorker: works one job in-process inside the test's transaction, through the real executor,
// and writes the outcome as the client would.
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as v from 'valibot';
import { afterAll, describe, expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, JobTimeoutError, snoozeJob, ValidationError, work, type Middleware } from '../../src/index.js';
import { requireInserted, testWorker } from '../../src/testing/index.js';
import { noop, sendEmail } from '../support/jobs.js';
import { inRolledBackTx } from '../support/rollback.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const HOUR = 3_600_000;
const task = defineJob({ kind: 'task', args: v.object({ mode: v.string(), n: v.optional(v.number(), 1) }) });

const taskWorker = work(task, async (job, { signal }) => {
  switch (job.args.mode) {
    case 'fail': throw new Error('boom');
    case 'throw-string': throw 'not an error';
    case 'cancel': throw new JobCancelError('not wanted');
    case 'snooze': return snoozeJob(HOUR);
    case 'hang': return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    default: return { doubled: job.args.n * 2 };
  }
}, { timeout: 100, nextRetry: () => HOUR });

describe('testWorker', () => {
  const tw = testWorker(taskWorker, { client: new Client({ id: 'test-client', logger: quietLogger }) });

  test('completes a job, returning the stored row and what the worker returned; a rollback leaves nothing', async () => {
    const { result, job, output, error } = await inRolledBackTx(t.db, (tx) => tw.work(tx, { mode: 'ok', n: 21 }));
    expect(result).toBe('completed');
    expect(output).toEqual({ doubled: 42 });
    expect(error).toBeUndefined();
    expect(job).toMatchObject({ state: 'completed', attempt: 1, attemptedBy: ['test-client'], args: { mode: 'ok', n: 21 }, errors: [] });
    expect(job.finalizedAt).toBeInstanceOf(Date);
    expect((await t.query('SELECT count(*)::int AS n FROM river_job'))[0]!.n).toBe(0);
  });

  test('classifies failures as the client does: retryable, then discarded at the last attempt', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      const first = await tw.work(tx, { mode: 'fail' }, { maxAttempts: 2 });
      expect(first.result).toBe('retryable');
      expect(first.error?.message).toBe('boom');
      expect(first.job).toMatchObject({ state: 'retryable', attempt: 1, errors: [{ attempt: 1, error: 'boom' }] });
      expect(first.job.scheduledAt.getTime()).toBeGreaterThan(Date.now() + HOUR - 60_000);
      const second = await tw.workJob(tx, first.job);
      expect(second.result).toBe('discarded');
      expect(second.job).toMatchObject({ state: 'discarded', attempt: 2 });
      expect(second.job.errors).toHaveLength(2);
      const odd = await tw.work(tx, { mode: 'throw-string' });
      expect(odd.error?.message).toBe('non-Error thrown: not an error');
    });
  });

  test('cancel, snooze and timeout', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      const cancelled = await tw.work(tx, { mode: 'cancel' });
      expect(cancelled).toMatchObject({ result: 'cancelled', job: { state: 'cancelled', errors: [{ error: 'not wanted' }] } });
      expect(cancelled.error).toBeInstanceOf(JobCancelError);
      const snoozed = await tw.work(tx, { mode: 'snooze' });
      expect(snoozed).toMatchObject({ result: 'snoozed', job: { state: 'scheduled', attempt: 0, metadata: { snoozes: 1 } } });
      const timedOut = await tw.work(tx, { mode: 'hang' });
      expect(timedOut).toMatchObject({ result: 'retryable', job: { state: 'retryable', errors: [{ error: 'job timed out after 100 ms' }] } });
      expect(timedOut.error).toBeInstanceOf(JobTimeoutError);
    });
  });

  test('works a scheduled job now, and ignores unique options unless given', async () => {
    const daily = defineJob({ kind: 'daily', args: v.object({ day: v.string() }), insertOpts: { uniqueOpts: { byArgs: true } } });
    const dailyWorker = testWorker(work(daily, () => 'done'));
    await inRolledBackTx(t.db, async (tx) => {
      const later = await dailyWorker.work(tx, { day: 'mon' }, { scheduledAt: new Date(Date.now() + HOUR) });
      expect(later).toMatchObject({ result: 'completed', output: 'done' });
      // Same args again: River's test worker does not enforce uniqueness either.
      expect((await dailyWorker.work(tx, { day: 'mon' })).job.id).not.toBe(later.job.id);
      await requireInserted(tx, daily, { args: { day: 'mon' }, state: 'completed' });
    });
  });

  test("applies the client's options: insert defaults, middleware, error handler", async () => {
    const seen: string[] = [];
    const handled: unknown[] = [];
    const middleware: Middleware = {
      insert: (ctx, next) => (seen.push(`insert ${ctx.items[0]!.job.kind}`), next()),
      work: async ({ job }, next) => (seen.push(`work ${job.kind} ${job.attempt}`), next()),
    };
    const client = new Client({ insertOpts: { queue: 'tests', tags: ['t'] }, middleware: [middleware], errorHandler: (e) => (handled.push(e), { cancel: true }), logger: quietLogger });
    const configured = testWorker(taskWorker, { client });
    await inRolledBackTx(t.db, async (tx) => {
      const ok = await configured.work(tx, { mode: 'ok' });
      expect(ok.job).toMatchObject({ queue: 'tests', tags: ['t'], state: 'completed' });
      const failed = await configured.work(tx, { mode: 'fail' });
      expect(failed.result).toBe('cancelled');
    });
    expect(seen).toEqual(['insert task', 'work task 1', 'insert task', 'work task 1']);
    expect(handled).toHaveLength(1);
  });

  test('a worker completing in the same transaction with completeTx ends completed', async () => {
    const result = await inRolledBackTx(t.db, (tx) =>
      testWorker(work(noop, async (job, { client }) => void (await client.completeTx(tx, job)))).work(tx, {}),
    );
    expect(result).toMatchObject({ result: 'completed', job: { state: 'completed' } });
  });

  test('rejects bad args at insert, a job of another kind, and a job that does not exist', async () => {
    await inRolledBackTx(t.db, async (tx) => {
      await expect(tw.work(tx, { mode: 1 } as never)).rejects.toThrow(ValidationError);
      const other = await new Client().insert(tx, sendEmail, { to: 'a@example.com', subject: 's' });
      await expect(tw.workJob(tx, other.job)).rejects.toThrow('testWorker(task): cannot work a job of kind "send_email"');
      const { job } = await tw.work(tx, { mode: 'ok' });
      await expect(tw.workJob(tx, { ...job, id: job.id + 1000 })).rejects.toThrow(`testWorker(task): job ${job.id + 1000} does not exist`);
    });
    expect(() => testWorker({} as never)).toThrow('testWorker: expected a worker made by work(job, fn)');
    expect(() => testWorker(taskWorker, { client: new Client(), schema: 'x' })).toThrow("differs from the client's");
  });

  test('runs through other Drizzle drivers too (postgres.js)', async () => {
    const sql = postgres(t.url, { max: 2, onnotice: () => {} });
    afterAll(() => sql.end());
    const db = drizzlePostgresJs(sql);
    const outcome = await db.transaction(async (tx) => {
      const worked = await tw.work(tx, { mode: 'ok', n: 4 });
      await requireInserted(tx, task, { args: { n: 4 }, state: 'completed' });
      return worked;
    });
    expect(outcome).toMatchObject({ result: 'completed', output: { doubled: 8 } });
    await t.query('DELETE FROM river_job WHERE id = $1', [outcome.job.id]);
  });
});
