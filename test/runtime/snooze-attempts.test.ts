// Snoozing: exact scheduled_at, snoozing for 0 ms, and that a snooze never uses up an attempt
// (River's rule), also next to real failures and at the last attempt.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, JobSnoozeError, snoozeJob, work } from '../../src/index.js';
import { jobRow, nextEvent, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const inserter = new Client();
const nap = defineJob({ kind: 'nap', args: v.object({ label: v.string() }) });
const queues = { default: { maxWorkers: 2 } };
const HOUR = 3_600_000;

test('a snooze schedules the job exactly its delay after the attempt ended, with no error', async () => {
  let threwAt = 0;
  const client = await startClient(t, { queues, workers: [work(nap, () => { threwAt = Date.now(); snoozeJob(HOUR); })] });
  const snoozed = nextEvent(client, 'job_snoozed');
  const { job } = await inserter.insert(t.db, nap, { label: 'exact' });
  const event = await snoozed;
  const emittedAt = Date.now();
  expect(event.error).toBeInstanceOf(JobSnoozeError);
  expect((event.error as JobSnoozeError).delayMs).toBe(HOUR);

  const row = await jobRow(t, job.id);
  expect(row).toMatchObject({ state: 'scheduled', attempt: 0, errors: null, finalized_at: null, metadata: { snoozes: 1 }, attempted_by: [client.id] });
  expect(row.scheduled_at.getTime()).toBeGreaterThanOrEqual(threwAt + HOUR);
  expect(row.scheduled_at.getTime()).toBeLessThanOrEqual(emittedAt + HOUR);
  expect(event.job.scheduledAt).toEqual(row.scheduled_at);
});

test('a snooze of 0 ms makes the job available at once, without waiting for the scheduler', async () => {
  let runs = 0;
  const states: string[] = [];
  const client = await startClient(t, { queues, workers: [work(nap, () => { if (++runs <= 2) throw new JobSnoozeError(0); })] });
  client.on('job_snoozed', (event) => void states.push(event.job.state));
  const { job } = await inserter.insert(t.db, nap, { label: 'zero' });
  const row = await waitForState(t, job.id, 'completed');
  expect(states).toEqual(['available', 'available']);
  expect(row).toMatchObject({ attempt: 1, errors: null, metadata: { snoozes: 2 }, attempted_by: [client.id, client.id, client.id] });
});

test('a snooze gives back only its own attempt: earlier failures still count', async () => {
  let runs = 0;
  const client = await startClient(t, {
    queues,
    workers: [work(nap, () => {
      runs++;
      if (runs === 1) throw new Error('first run failed');
      if (runs === 2) snoozeJob(0);
    }, { nextRetry: () => 0 })],
  });
  const snoozed = nextEvent(client, 'job_snoozed');
  const { job } = await inserter.insert(t.db, nap, { label: 'mixed' });
  // Fetched for attempt 2, snoozed: back to 1, the failure of attempt 1 kept.
  expect((await snoozed).job).toMatchObject({ attempt: 1, metadata: { snoozes: 1 } });
  const row = await waitForState(t, job.id, 'completed');
  expect(row).toMatchObject({ attempt: 2, metadata: { snoozes: 1 } });
  expect(row.attempted_by).toHaveLength(3);
  expect(row.errors.map((e: { attempt: number; error: string }) => [e.attempt, e.error])).toEqual([[1, 'first run failed']]);
});

test('snoozing at the last attempt does not discard; the job still gets all its attempts', async () => {
  let runs = 0;
  await startClient(t, {
    queues,
    workers: [work(nap, () => {
      if (++runs === 1) snoozeJob(0);
      throw new Error(`failure at run ${runs}`);
    }, { nextRetry: () => 0 })],
  });
  const { job } = await inserter.insert(t.db, nap, { label: 'last' }, { maxAttempts: 2 });
  const row = await waitForState(t, job.id, 'discarded');
  expect(runs).toBe(3);
  expect(row).toMatchObject({ attempt: 2, max_attempts: 2, metadata: { snoozes: 1 } });
  expect(row.errors.map((e: { attempt: number; error: string }) => [e.attempt, e.error])).toEqual([[1, 'failure at run 2'], [2, 'failure at run 3']]);
  expect(row.finalized_at).toBeInstanceOf(Date);
});

test('a negative snooze delay is a failed attempt, not a snooze', async () => {
  await startClient(t, { queues, workers: [work(nap, () => snoozeJob(-5), { nextRetry: () => HOUR })] });
  const { job } = await inserter.insert(t.db, nap, { label: 'negative' });
  const row = await waitForState(t, job.id, 'retryable');
  expect(row).toMatchObject({ attempt: 1, metadata: {} });
  expect(row.errors[0].error).toBe('snooze delay must be a number of milliseconds >= 0, got -5');
});
