// When a failed job runs again, and when it stops being retried: exact scheduled_at arithmetic,
// precedence of nextRetry over retryPolicy, fallbacks, and limits raised or ended early.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, work, type JobEvent } from '../../src/index.js';
import { jobRow, nextEvent, recordEvents, quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const flaky = defineJob({ kind: 'flaky', args: v.object({ label: v.string() }) });
const other = defineJob({ kind: 'other', args: v.object({}) });
const queues = { default: { maxWorkers: 2 } };
const HOUR = 3_600_000;
const atMs = (entry: { at: string }) => new Date(entry.at).getTime();

test("River's default policy waits 1 s ±10% after the first error; the scheduler brings the job back", async () => {
  const starts: number[] = [];
  const client = await startClient(t, {
    queues,
    workers: [work(flaky, () => {
      starts.push(Date.now());
      if (starts.length === 1) throw new Error('card declined');
    })],
  });
  const failed = nextEvent(client, 'job_failed');
  const { job } = await inserter.insert(t.db, flaky, { label: 'default-policy' });
  expect((await failed).job.state).toBe('retryable');

  const row = await waitForState(t, job.id, 'completed');
  expect(row.attempt).toBe(2);
  expect(row.attempted_by).toEqual([client.id, client.id]);
  expect(row.errors).toHaveLength(1);
  expect(row.errors[0]).toMatchObject({ attempt: 1, error: 'card declined', trace: expect.stringMatching(/^Error: card declined\n\s+at /) });
  // scheduled_at and the error's `at` come from one clock reading, so their gap is the policy's delay.
  const delay = row.scheduled_at.getTime() - atMs(row.errors[0]);
  expect(delay).toBeGreaterThanOrEqual(900);
  expect(delay).toBeLessThanOrEqual(1100);
  expect(atMs(row.errors[0])).toBeGreaterThanOrEqual(starts[0]!);
  expect(starts[1]).toBeGreaterThanOrEqual(row.scheduled_at.getTime());
  expect(row.finalized_at.getTime()).toBeGreaterThanOrEqual(starts[1]!);
});

test("a worker's nextRetry wins over the client's retryPolicy, which applies to workers without one", async () => {
  const nextRetrySaw: unknown[] = [];
  const policySaw: unknown[] = [];
  const client = await startClient(t, {
    queues,
    retryPolicy: (job) => (policySaw.push([job.kind, job.attempt]), 2 * HOUR),
    workers: [
      work(flaky, () => { throw new Error('flaky failed'); }, { nextRetry: (job) => (nextRetrySaw.push([job.kind, job.attempt, job.state]), HOUR) }),
      work(other, () => { throw new Error('other failed'); }),
    ],
  });
  const before = Date.now();
  const a = await inserter.insert(t.db, flaky, { label: 'precedence' });
  const b = await inserter.insert(t.db, other, {});
  const rowA = await waitForState(t, a.job.id, 'retryable');
  const rowB = await waitForState(t, b.job.id, 'retryable');
  const after = Date.now();

  expect(nextRetrySaw).toEqual([['flaky', 1, 'running']]);
  expect(policySaw).toEqual([['other', 1]]);
  expect(rowA.scheduled_at.getTime() - atMs(rowA.errors[0])).toBe(HOUR);
  expect(rowB.scheduled_at.getTime() - atMs(rowB.errors[0])).toBe(2 * HOUR);
  for (const row of [rowA, rowB]) {
    expect(atMs(row.errors[0])).toBeGreaterThanOrEqual(before);
    expect(atMs(row.errors[0])).toBeLessThanOrEqual(after);
    expect(row).toMatchObject({ attempt: 1, attempted_by: [client.id], finalized_at: null });
  }
});

test('a nextRetry that throws or returns NaN falls back to attempt^4 seconds, and is logged', async () => {
  const logged: string[] = [];
  const logger = { ...quietLogger, error: (message: string) => void logged.push(message) };
  const client = await startClient(t, {
    queues,
    logger,
    workers: [
      work(flaky, () => { throw new Error('x'); }, { nextRetry: () => { throw new Error('policy bug'); } }),
      work(other, () => { throw new Error('y'); }, { nextRetry: () => Number.NaN }),
    ],
  });
  const failures: JobEvent[] = [];
  client.on('job_failed', (event) => void failures.push(event));
  const a = await inserter.insert(t.db, flaky, { label: 'bad-policy' });
  const b = await inserter.insert(t.db, other, {});
  const first = (id: number) => failures.find((event) => event.job.id === id);
  await waitFor(() => first(a.job.id) && first(b.job.id), { message: 'both first failures' });
  for (const id of [a.job.id, b.job.id]) {
    const event = first(id)!;
    expect(event.job).toMatchObject({ id, state: 'retryable', attempt: 1 });
    expect(event.job.scheduledAt.getTime() - event.job.errors[0]!.at.getTime()).toBe(1000);
  }
  expect(logged.filter((m) => m.startsWith('retry policy failed'))).toHaveLength(2);
});

test("a worker's maxAttempts can also raise the row's limit", async () => {
  let runs = 0;
  await startClient(t, { queues, workers: [work(flaky, () => { throw new Error(`run ${++runs}`); }, { nextRetry: () => 0, maxAttempts: 3 })] });
  const { job } = await inserter.insert(t.db, flaky, { label: 'raised' }, { maxAttempts: 1 });
  const row = await waitForState(t, job.id, 'discarded');
  expect(row).toMatchObject({ attempt: 3, max_attempts: 1 });
  expect(row.errors.map((e: { attempt: number; error: string }) => [e.attempt, e.error])).toEqual([[1, 'run 1'], [2, 'run 2'], [3, 'run 3']]);
  expect(row.finalized_at.getTime()).toBeGreaterThanOrEqual(atMs(row.errors[2]));
});

test('a cancel ends the retries with attempts left; errorHandler sees plain errors only', async () => {
  const handled: unknown[] = [];
  const client = await startClient(t, {
    queues,
    errorHandler: (error, job) => void handled.push([error instanceof Error ? error.message : error, job.id, job.attempt]),
    workers: [work(flaky, (job) => {
      if (job.attempt === 1) throw new Error('transient');
      throw new JobCancelError('gave up on purpose');
    }, { nextRetry: () => 0 })],
  });
  // This job's event: a job an earlier test left available would be cancelled by this worker too.
  const cancelled = recordEvents(client, 'job_cancelled');
  const { job } = await inserter.insert(t.db, flaky, { label: 'cancel-later' });
  const event = await cancelled.forJob(job.id);
  expect(event.error).toBeInstanceOf(JobCancelError);
  const row = await jobRow(t, job.id);
  expect(row).toMatchObject({ state: 'cancelled', attempt: 2, max_attempts: 25, attempted_by: [client.id, client.id] });
  expect(row.errors.map((e: { attempt: number; error: string }) => [e.attempt, e.error])).toEqual([[1, 'transient'], [2, 'gave up on purpose']]);
  expect(row.errors[1].trace).toMatch(/^JobCancelError: gave up on purpose\n/);
  expect(row.finalized_at).toBeInstanceOf(Date);
  expect(handled.filter((h) => (h as unknown[])[1] === job.id)).toEqual([['transient', job.id, 1]]);
});

test('an errorHandler that throws is logged and the job is retried as usual', async () => {
  const logged: string[] = [];
  await startClient(t, {
    queues,
    logger: { ...quietLogger, error: (message: string) => void logged.push(message) },
    errorHandler: () => { throw new Error('handler bug'); },
    workers: [work(flaky, () => { throw new Error('work failed'); }, { nextRetry: () => HOUR })],
  });
  const { job } = await inserter.insert(t.db, flaky, { label: 'handler-throws' });
  const row = await waitForState(t, job.id, 'retryable');
  expect(row.errors).toHaveLength(1);
  expect(row.errors[0].error).toBe('work failed');
  expect(logged).toContain('errorHandler threw');
});
