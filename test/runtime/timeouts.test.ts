// Timeouts: the client's default and a worker's own, -1 for none, and a worker that ignores
// its aborted signal.
import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, JobTimeoutError, work } from '../../src/index.js';
import { jobRow, nextEvent, quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const task = defineJob({ kind: 'task', args: v.object({ label: v.string() }) });
const HOUR = 3_600_000;

/** A promise to hold a worker on, and its resolve. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** Rejects with the reason the signal is aborted with, as well-behaved workers do. */
const untilAborted = (signal: AbortSignal) => new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));

test("the client's jobTimeout applies to workers without one; timeout -1 never times out", async () => {
  const slow = defineJob({ kind: 'slow', args: v.object({}) });
  const held = gate();
  let slowStarted = 0;
  let slowSignal: AbortSignal | undefined;
  await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    jobTimeout: 100,
    workers: [
      work(task, (_job, { signal }) => untilAborted(signal), { nextRetry: () => HOUR }),
      work(slow, async (_job, { signal }) => {
        slowStarted = Date.now();
        slowSignal = signal;
        await held.opened;
      }, { timeout: -1 }),
    ],
  });
  const a = await inserter.insert(t.db, task, { label: 'client-timeout' });
  const b = await inserter.insert(t.db, slow, {});
  const rowA = await waitForState(t, a.job.id, 'retryable');
  expect(rowA.errors[0]).toMatchObject({ attempt: 1, error: 'job timed out after 100 ms' });
  expect(rowA.errors[0].trace).toMatch(/^JobTimeoutError: job timed out after 100 ms/);
  // Past the client's timeout, the worker with timeout -1 still runs.
  await waitFor(() => slowStarted > 0 && Date.now() - slowStarted > 300, { message: 'the slow job to outlive the client timeout' });
  expect((await jobRow(t, b.job.id)).state).toBe('running');
  expect(slowSignal?.aborted).toBe(false);
  held.open();
  expect((await waitForState(t, b.job.id, 'completed')).errors).toBeNull();
});

test('a worker that ignores its timed-out signal keeps its slot until it returns; its outcome is recorded at the timeout', async () => {
  const held = gate();
  const warnings: string[] = [];
  let hungSignal: AbortSignal | undefined;
  let hungReturnedAt = 0;
  let running = 0;
  let mostAtOnce = 0;
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    logger: { ...quietLogger, warn: (message: string) => void warnings.push(message) },
    workers: [work(task, async (job, { signal }) => {
      mostAtOnce = Math.max(mostAtOnce, ++running);
      try {
        if (job.args.label !== 'hangs') return;
        hungSignal = signal;
        await held.opened; // ignores the signal
        hungReturnedAt = Date.now();
      } finally {
        running--;
      }
    }, { timeout: 100, nextRetry: () => HOUR })],
  });
  const hung = await inserter.insert(t.db, task, { label: 'hangs' });
  // The outcome is stored at the timeout, while the function still runs.
  const row = await waitForState(t, hung.job.id, 'retryable');
  expect(hungSignal?.reason).toBeInstanceOf(JobTimeoutError);
  expect(warnings.some((w) => w.includes('its slot stays taken until it does'))).toBe(true);
  const next = await inserter.insert(t.db, task, { label: 'next' });
  held.open();
  // maxWorkers: 1 is a hard cap: the next job started only once the hung function returned.
  const nextRow = await waitForState(t, next.job.id, 'completed');
  expect(mostAtOnce).toBe(1);
  expect(nextRow.attempted_at.getTime()).toBeGreaterThanOrEqual(hungReturnedAt - 5); // the server's clock, to the ms
  await waitFor(() => warnings.some((w) => w.includes('finished after its timeout')), { message: 'the late-finish warning' });
  expect(await jobRow(t, hung.job.id)).toEqual(row);
});

test("a worker's timeout applies under a client with none; errorHandler gets the JobTimeoutError", async () => {
  const handled: unknown[] = [];
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    jobTimeout: -1,
    errorHandler: (error) => void handled.push(error),
    workers: [work(task, (_job, { signal }) => untilAborted(signal), { timeout: 150, nextRetry: () => HOUR })],
  });
  const failed = nextEvent(client, 'job_failed');
  const { job } = await inserter.insert(t.db, task, { label: 'worker-timeout' });
  const event = await failed;
  expect(event.job).toMatchObject({ id: job.id, state: 'retryable', attempt: 1 });
  expect(event.error).toBeInstanceOf(JobTimeoutError);
  expect(event.runDurationMs).toBeGreaterThanOrEqual(149); // timers may fire 1 ms early
  expect(handled).toHaveLength(1);
  expect(handled[0]).toBe(event.error);
  const row = await jobRow(t, job.id);
  expect(row).toMatchObject({ state: 'retryable', attempt: 1, finalized_at: null, attempted_by: [client.id] });
  expect(row.errors[0]).toMatchObject({ attempt: 1, error: 'job timed out after 150 ms' });
});
