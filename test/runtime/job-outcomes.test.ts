import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, JobSnoozeError, snoozeJob, cancelJob, work } from '../../src/index.js';
import { jobRow, recordEvents, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const inserter = new Client();
const task = defineJob({ kind: 'task', args: v.object({ label: v.string(), times: v.optional(v.number(), 1) }) });
const queues = { default: { maxWorkers: 5 } };

describe('job outcomes', () => {
  test('completed: finalized, attempted by this client, args parsed by the schema', async () => {
    let seen: unknown;
    const client = await startClient(t, { queues, workers: [work(task, (job) => void (seen = job.args))] });
    const { job } = await inserter.insert(t.db, task, { label: 'a' });
    const row = await waitForState(t, job.id, 'completed');
    expect(seen).toEqual({ label: 'a', times: 1 });
    expect(row).toMatchObject({ attempt: 1, attempted_by: [client.id], errors: null });
    expect(row.finalized_at).toBeInstanceOf(Date);
  });

  test('an error makes it retryable with the error recorded and the next run scheduled', async () => {
    await startClient(t, { queues, workers: [work(task, () => { throw new Error('smtp down'); }, { nextRetry: () => 3_600_000 })] });
    const before = Date.now();
    const { job } = await inserter.insert(t.db, task, { label: 'b' });
    const row = await waitForState(t, job.id, 'retryable');
    expect(row.errors).toHaveLength(1);
    expect(row.errors[0]).toMatchObject({ attempt: 1, error: 'smtp down', trace: expect.stringContaining('Error: smtp down') });
    expect(new Date(row.errors[0].at).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.scheduled_at.getTime() - Date.now()).toBeGreaterThan(3_500_000);
    expect(row.finalized_at).toBeNull();
  });

  test('each error entry says when its attempt started and which client ran it, and River\'s four keys stay as they are', async () => {
    const client = await startClient(t, { queues, workers: [work(task, async () => { await new Promise((r) => setTimeout(r, 30)); throw new Error('slow failure'); }, { nextRetry: () => 3_600_000 })] });
    const { job } = await inserter.insert(t.db, task, { label: 'timed' });
    const row = await waitForState(t, job.id, 'retryable');
    const [entry] = row.errors;
    expect(Object.keys(entry).sort()).toEqual(['at', 'attempt', 'attempted_at', 'attempted_by', 'error', 'trace']);
    expect(entry).toMatchObject({ attempt: 1, error: 'slow failure', attempted_by: client.id });
    // The attempt's start is the row's attempted_at (the fetch), so its duration is at - attempted_at.
    expect(new Date(entry.attempted_at).getTime()).toBe(row.attempted_at.getTime());
    expect(new Date(entry.at).getTime() - new Date(entry.attempted_at).getTime()).toBeGreaterThanOrEqual(25);
    const read = (await client.jobGet(job.id))!.errors[0]!;
    expect(read.attemptedAt).toEqual(row.attempted_at);
    expect(read.attemptedBy).toBe(client.id);
  });

  test('a custom nextRetry of 0 retries at once: two failures then success', async () => {
    let calls = 0;
    await startClient(t, { queues, workers: [work(task, () => { if (++calls < 3) throw new Error(`fail ${calls}`); }, { nextRetry: () => 0 })] });
    const { job } = await inserter.insert(t.db, task, { label: 'c' });
    const row = await waitForState(t, job.id, 'completed');
    expect(row.attempt).toBe(3);
    expect(row.errors.map((e: { error: string; attempt: number }) => [e.attempt, e.error])).toEqual([[1, 'fail 1'], [2, 'fail 2']]);
  });

  test("the client's retryPolicy applies when the worker has none", async () => {
    await startClient(t, { queues, retryPolicy: () => 7_200_000, workers: [work(task, () => { throw new Error('x'); })] });
    const { job } = await inserter.insert(t.db, task, { label: 'd' });
    const row = await waitForState(t, job.id, 'retryable');
    expect(row.scheduled_at.getTime() - Date.now()).toBeGreaterThan(7_000_000);
  });

  test('discarded at max attempts, by the row or by the worker', async () => {
    await startClient(t, { queues, workers: [work(task, () => { throw new Error('always'); }, { nextRetry: () => 0 })] });
    const { job } = await inserter.insert(t.db, task, { label: 'e' }, { maxAttempts: 2 });
    const row = await waitForState(t, job.id, 'discarded');
    expect(row.attempt).toBe(2);
    expect(row.errors).toHaveLength(2);
    expect(row.finalized_at).toBeInstanceOf(Date);
  });

  test("the worker's maxAttempts overrides the row's", async () => {
    await startClient(t, { queues, workers: [work(task, () => { throw new Error('always'); }, { nextRetry: () => 0, maxAttempts: 1 })] });
    const { job } = await inserter.insert(t.db, task, { label: 'f' });
    expect((await waitForState(t, job.id, 'discarded')).attempt).toBe(1);
  });

  test('a timeout aborts the signal and fails the attempt', async () => {
    let reason: unknown;
    const worker = work(task, (_job, { signal }) => new Promise((_, reject) => signal.addEventListener('abort', () => reject((reason = signal.reason)))), { timeout: 100, nextRetry: () => 3_600_000 });
    await startClient(t, { queues, workers: [worker] });
    const { job } = await inserter.insert(t.db, task, { label: 'g' });
    const row = await waitForState(t, job.id, 'retryable');
    expect(String(reason)).toMatch(/timed out after 100 ms/);
    expect(row.errors[0].error).toBe('job timed out after 100 ms');
  });

  test('JobCancelError and cancelJob() cancel without retry', async () => {
    await startClient(t, {
      queues,
      workers: [work(task, (job) => (job.args.label === 'throw' ? Promise.reject(new JobCancelError('customer gone')) : cancelJob('by helper')))],
    });
    const a = await inserter.insert(t.db, task, { label: 'throw' });
    const b = await inserter.insert(t.db, task, { label: 'helper' });
    const rowA = await waitForState(t, a.job.id, 'cancelled');
    const rowB = await waitForState(t, b.job.id, 'cancelled');
    expect(rowA.errors[0].error).toBe('customer gone');
    expect(rowB.errors[0].error).toBe('by helper');
    expect(rowA.finalized_at).toBeInstanceOf(Date);
  });

  test('errorHandler sees non-Error throws and may cancel', async () => {
    const seen: unknown[] = [];
    await startClient(t, {
      queues,
      errorHandler: (error) => {
        seen.push(error);
        return { cancel: typeof error === 'object' };
      },
      workers: [work(task, (job) => { throw job.args.label === 'string' ? 'boom' : { code: 42 }; }, { nextRetry: () => 3_600_000 })],
    });
    const a = await inserter.insert(t.db, task, { label: 'string' });
    const b = await inserter.insert(t.db, task, { label: 'object' });
    expect((await waitForState(t, a.job.id, 'retryable')).errors[0].error).toBe('non-Error thrown: boom');
    expect((await waitForState(t, b.job.id, 'cancelled')).errors[0].error).toBe('non-Error thrown: {"code":42}');
    expect(seen).toEqual(expect.arrayContaining(['boom', { code: 42 }]));
  });

  test('a snooze schedules it later, gives the attempt back and counts', async () => {
    await startClient(t, { queues, workers: [work(task, () => { throw new JobSnoozeError(3_600_000); })] });
    const { job } = await inserter.insert(t.db, task, { label: 'h' });
    const row = await waitForState(t, job.id, 'scheduled');
    expect(row.attempt).toBe(0);
    expect(row.metadata).toEqual({ snoozes: 1 });
    expect(row.errors).toBeNull();
    expect(row.scheduled_at.getTime() - Date.now()).toBeGreaterThan(3_500_000);
  });

  test('snoozed twice then completed: one attempt used, two snoozes', async () => {
    let runs = 0;
    await startClient(t, { queues, workers: [work(task, () => { if (++runs <= 2) snoozeJob(200); })] });
    const { job } = await inserter.insert(t.db, task, { label: 'i' });
    const row = await waitForState(t, job.id, 'completed');
    expect(row.attempt).toBe(1);
    expect(row.metadata).toEqual({ snoozes: 2 });
  });
});

describe('events', () => {
  test('each outcome is emitted with the stored row and its timings', async () => {
    const client = await startClient(t, {
      queues,
      workers: [
        work(task, async (job) => {
          await new Promise((resolve) => setTimeout(resolve, 50));
          if (job.args.label === 'fail') throw new Error('nope');
          if (job.args.label === 'cancel') cancelJob();
          if (job.args.label === 'snooze') snoozeJob(3_600_000);
        }, { nextRetry: () => 3_600_000 }),
      ],
    });
    const events = {
      completed: recordEvents(client, 'job_completed'),
      failed: recordEvents(client, 'job_failed'),
      cancelled: recordEvents(client, 'job_cancelled'),
      snoozed: recordEvents(client, 'job_snoozed'),
    };
    const ids = await Promise.all(['ok', 'fail', 'cancel', 'snooze'].map(async (label) => (await inserter.insert(t.db, task, { label })).job.id));
    const [completed, failed, cancelled, snoozed] = await Promise.all([
      events.completed.forJob(ids[0]!),
      events.failed.forJob(ids[1]!),
      events.cancelled.forJob(ids[2]!),
      events.snoozed.forJob(ids[3]!),
    ]);
    expect([completed.job.state, failed.job.state, cancelled.job.state, snoozed.job.state]).toEqual(['completed', 'retryable', 'cancelled', 'scheduled']);
    for (const event of [completed, failed, cancelled, snoozed]) {
      expect(event.runDurationMs).toBeGreaterThanOrEqual(45);
      expect(event.queueWaitMs).toBeGreaterThanOrEqual(0);
    }
    expect(String(failed.error)).toMatch(/nope/);
    expect((await jobRow(t, ids[0]!)).state).toBe('completed');
  });
});
