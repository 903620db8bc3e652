import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, work } from '../../src/index.js';
import { spyOnFetches } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { jobRow, nextEvent, quietLogger, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const spy = spyOnFetches(t.pool);
/** Runs until cancelled; then rethrows the signal's reason, or throws an error of its own. */
const hold = defineJob({ kind: 'hold', args: v.object({ onAbort: v.picklist(['rethrow', 'own error']) }) });
const aborts = new Map<number, unknown>();
const running = new Set<number>();
const client = new Client({
  pool: spy.pool,
  logger: quietLogger,
  fetchCooldown: 5,
  fetchPollInterval: 50,
  // `clock` is never paused here: its producer's polls measure time for the paused one.
  queues: { default: { maxWorkers: 5 }, clock: { maxWorkers: 1 } },
  workers: [
    work(noop, () => {}),
    work(hold, (job, { signal }) => {
      running.add(job.id);
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          aborts.set(job.id, signal.reason);
          reject(job.args.onAbort === 'rethrow' ? signal.reason : new Error('interrupted'));
        }),
      );
    }),
  ],
});

const control = (payload: object) => t.query(`SELECT pg_notify('public.river_control', $1)`, [JSON.stringify(payload)]);
/** Resolves once the `clock` producer has polled `n` more times. */
async function pollsOfClock(n: number) {
  const from = spy.count('clock');
  await waitFor(() => spy.count('clock') >= from + n, { message: `${n} polls of the clock queue` });
}

beforeAll(() => client.start());
afterAll(() => client.stop());

describe('pause and resume', () => {
  test('pause stops the queue fetching; a job inserted meanwhile waits; resume runs it', async () => {
    const paused = nextEvent(client, 'queue_paused');
    await control({ action: 'pause', queue: 'default' });
    expect(await paused).toEqual({ queue: 'default' });

    const fetches = spy.count('default');
    const { job } = await inserter.insert(t.db, noop, {});
    await pollsOfClock(4);
    expect(spy.count('default')).toBe(fetches);
    expect(await jobRow(t, job.id)).toMatchObject({ state: 'available', attempt: 0 });

    const resumed = nextEvent(client, 'queue_resumed');
    await control({ action: 'resume', queue: 'default' });
    expect(await resumed).toEqual({ queue: 'default' });
    await waitForState(t, job.id, 'completed');
  });

  test('"*" pauses and resumes every queue', async () => {
    const paused: string[] = [];
    const resumed: string[] = [];
    const offs = [client.on('queue_paused', (e) => paused.push(e.queue)), client.on('queue_resumed', (e) => resumed.push(e.queue))];
    await control({ action: 'pause', queue: '*' });
    await waitFor(() => paused.length === 2, { message: 'both queues paused' });
    expect(paused.sort()).toEqual(['clock', 'default']);
    const { job } = await inserter.insert(t.db, noop, {});
    await control({ action: 'resume', queue: '*' });
    await waitFor(() => resumed.length === 2, { message: 'both queues resumed' });
    expect(resumed.sort()).toEqual(['clock', 'default']);
    await waitForState(t, job.id, 'completed');
    offs.forEach((off) => off());
  });

  test('a pause for a queue this client does not work changes nothing', async () => {
    const events: string[] = [];
    const off = client.on('queue_paused', (e) => events.push(e.queue));
    await control({ action: 'pause', queue: 'elsewhere' });
    const { job } = await inserter.insert(t.db, noop, {});
    await waitForState(t, job.id, 'completed');
    expect(events).toEqual([]);
    off();
  });
});

describe('cancel', () => {
  test.each(['rethrow', 'own error'] as const)('aborts the running job, which ends cancelled (worker on abort: %s)', async (onAbort) => {
    const { job } = await inserter.insert(t.db, hold, { onAbort });
    await waitFor(() => running.has(job.id), { message: `job ${job.id} to run` });
    const cancelled = nextEvent(client, 'job_cancelled', job.id);
    await control({ action: 'cancel', job_id: job.id, queue: 'default' });

    expect((await cancelled).job.state).toBe('cancelled');
    expect(aborts.get(job.id)).toBeInstanceOf(JobCancelError);
    const row = await jobRow(t, job.id);
    expect(row).toMatchObject({ state: 'cancelled', attempt: 1 });
    expect(row.finalized_at).toBeInstanceOf(Date);
    expect(row.errors).toHaveLength(1);
  });

  test('a cancel naming another job leaves the running one alone', async () => {
    const { job } = await inserter.insert(t.db, hold, { onAbort: 'rethrow' });
    await waitFor(() => running.has(job.id), { message: `job ${job.id} to run` });
    await control({ action: 'cancel', job_id: job.id + 1000, queue: 'default' });
    // Notifications arrive in order: once a later pause took effect, the cancel was handled.
    const paused = nextEvent(client, 'queue_paused');
    await control({ action: 'pause', queue: 'clock' });
    await paused;
    expect(aborts.has(job.id)).toBe(false);
    expect((await jobRow(t, job.id)).state).toBe('running');
    const resumed = nextEvent(client, 'queue_resumed');
    await control({ action: 'resume', queue: 'clock' });
    await resumed;
    await control({ action: 'cancel', job_id: job.id, queue: 'default' });
    await waitForState(t, job.id, 'cancelled');
  });
});
