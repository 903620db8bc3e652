// Events as a user relies on them: emitted once per outcome, after the row is stored, with
// timings that mean something; listeners that throw or unsubscribe; completeTx outcomes.
import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { beforeAll, expect, test } from 'vitest';
import { Client, defineJob, JobCancelError, JobSnoozeError, snoozeJob, cancelJob, work, type ClientEventName, type JobEvent } from '../../src/index.js';
import { jobRow, nextEvent, quietLogger, recordEvents, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const act = defineJob({ kind: 'act', args: v.object({ outcome: v.picklist(['complete', 'fail', 'cancel', 'snooze']) }) });
const pay = defineJob({ kind: 'pay', args: v.object({ ref: v.string(), after: v.picklist(['return', 'throw', 'rollback']) }) });
const queues = { default: { maxWorkers: 4 } };
const JOB_EVENTS: ClientEventName[] = ['job_completed', 'job_failed', 'job_cancelled', 'job_snoozed'];
const HOUR = 3_600_000;
const DELAY = 80;

beforeAll(async () => {
  await t.query(`CREATE TABLE payments (ref text PRIMARY KEY)`);
});

/** Records every job event of a client, with the row as read from the table when it fired. */
function record(client: Client) {
  const seen: { name: ClientEventName; event: JobEvent; stateInTable: Promise<string> }[] = [];
  for (const name of JOB_EVENTS) {
    client.on(name, (event) => {
      const payload = event as JobEvent;
      seen.push({ name, event: payload, stateInTable: jobRow(t, payload.job.id).then((r) => r.state) });
    });
  }
  return { seen, of: (id: number) => seen.filter((s) => s.event.job.id === id) };
}

test('one event per outcome, after the row is stored, with its error and timings', async () => {
  const client = await startClient(t, {
    queues,
    workers: [work(act, async (job) => {
      await new Promise((resolve) => setTimeout(resolve, DELAY));
      if (job.args.outcome === 'fail') throw new Error('failed on purpose');
      if (job.args.outcome === 'cancel') cancelJob('cancelled on purpose');
      if (job.args.outcome === 'snooze') snoozeJob(HOUR);
    }, { nextRetry: () => HOUR })],
  });
  const events = record(client);
  const outcomes = ['complete', 'fail', 'cancel', 'snooze'] as const;
  const ids = (await inserter.insertMany(t.db, outcomes.map((outcome) => ({ job: act, args: { outcome } })))).map((r) => r.job.id);
  await waitFor(() => ids.every((id) => events.of(id).length > 0), { message: 'an event for each job' });
  await client.stop(); // every outcome written: no event can still be on its way

  const expected = [['job_completed', 'completed'], ['job_failed', 'retryable'], ['job_cancelled', 'cancelled'], ['job_snoozed', 'scheduled']];
  for (const [i, id] of ids.entries()) {
    const [name, state] = expected[i]!;
    const [only, ...more] = events.of(id);
    expect(more).toEqual([]);
    expect(only!.name).toBe(name);
    expect(only!.event.job).toMatchObject({ id, state, kind: 'act', attemptedBy: [client.id] });
    expect(await only!.stateInTable).toBe(state);
    expect(Number.isFinite(only!.event.queueWaitMs) && only!.event.queueWaitMs >= 0).toBe(true);
    expect(only!.event.runDurationMs).toBeGreaterThanOrEqual(DELAY - 1); // timers may fire 1 ms early
  }
  const [completed, failed, cancelled, snoozed] = ids.map((id) => events.of(id)[0]!.event);
  expect(completed!.error).toBeUndefined();
  expect((failed!.error as Error).message).toBe('failed on purpose');
  expect(cancelled!.error).toBeInstanceOf(JobCancelError);
  expect(snoozed!.error).toBeInstanceOf(JobSnoozeError);
});

test('queueWaitMs counts from scheduled_at to the start', async () => {
  const client = await startClient(t, { queues, workers: [work(act, () => {})] });
  const completed = nextEvent(client, 'job_completed');
  // A row written by another client, due five seconds ago.
  const [row] = await t.query(`INSERT INTO river_job (kind, args, scheduled_at) VALUES ('act', '{"outcome":"complete"}', now() - interval '5 seconds') RETURNING id::int, scheduled_at`);
  const event = await completed;
  expect(event.job.id).toBe(row!.id);
  expect(event.queueWaitMs).toBeGreaterThanOrEqual(5000);
  expect(event.queueWaitMs).toBeLessThan(5000 + 10_000);
});

test('a throwing listener is logged; other listeners and later jobs are unaffected; off() unsubscribes', async () => {
  const logged: string[] = [];
  const client = await startClient(t, { queues, logger: { ...quietLogger, error: (m: string) => void logged.push(m) }, workers: [work(act, () => {})] });
  client.on('job_completed', () => { throw new Error('listener bug'); });
  const heard: number[] = [];
  const off = client.on('job_completed', (event) => void heard.push(event.job.id));
  const first = await inserter.insert(t.db, act, { outcome: 'complete' });
  await waitFor(() => heard.includes(first.job.id), { message: 'the first event' });
  expect(logged).toContain('a job_completed listener threw');
  off();
  const recorded = recordEvents(client, 'job_completed');
  const second = await inserter.insert(t.db, act, { outcome: 'complete' });
  const secondEvent = recorded.forJob(second.job.id);
  await waitForState(t, second.job.id, 'completed');
  await secondEvent;
  expect(heard).toEqual([first.job.id]);
});

test('completeTx: exactly one job_completed, never job_failed, even when the worker throws after commit', async () => {
  const client = await startClient(t, {
    queues,
    workers: [work(pay, async (job, ctx) => {
      await t.db.transaction(async (tx) => {
        await tx.execute(sql`INSERT INTO payments (ref) VALUES (${job.args.ref})`);
        await ctx.client.completeTx(tx, job);
      });
      if (job.args.after === 'throw') throw new Error('after the commit');
    }, { nextRetry: () => 0 })],
  });
  const events = record(client);
  const ids = (await inserter.insertMany(t.db, [
    { job: pay, args: { ref: 'P1', after: 'return' } },
    { job: pay, args: { ref: 'P2', after: 'throw' } },
  ])).map((r) => r.job.id);
  await waitFor(() => ids.every((id) => events.of(id).length > 0), { message: 'both events' });
  await client.stop();
  for (const id of ids) {
    expect(events.of(id).map((s) => [s.name, s.event.job.state])).toEqual([['job_completed', 'completed']]);
    const row = await jobRow(t, id);
    expect(row).toMatchObject({ state: 'completed', attempt: 1, errors: null, attempted_by: [client.id] });
    expect(row.finalized_at).toBeInstanceOf(Date);
  }
  expect(await t.query(`SELECT ref FROM payments WHERE ref IN ('P1', 'P2') ORDER BY ref`)).toEqual([{ ref: 'P1' }, { ref: 'P2' }]);
});

test('completeTx rolled back, then the worker returns: the runtime completes it, without the side effect', async () => {
  let rolledBack: boolean | undefined;
  let stateAfterRollback: string | undefined;
  const client = await startClient(t, {
    queues,
    workers: [work(pay, async (job, ctx) => {
      rolledBack = await t.db
        .transaction(async (tx) => {
          await tx.execute(sql`INSERT INTO payments (ref) VALUES (${job.args.ref})`);
          await ctx.client.completeTx(tx, job);
          tx.rollback();
        })
        .then(() => false, () => true);
      stateAfterRollback = (await jobRow(t, job.id)).state;
    })],
  });
  const events = record(client);
  const { job } = await inserter.insert(t.db, pay, { ref: 'P3', after: 'rollback' });
  const row = await waitForState(t, job.id, 'completed');
  await client.stop();
  expect([rolledBack, stateAfterRollback]).toEqual([true, 'running']);
  expect(row).toMatchObject({ attempt: 1, errors: null, attempted_by: [client.id] });
  expect(events.of(job.id).map((s) => s.name)).toEqual(['job_completed']);
  expect(await t.query(`SELECT ref FROM payments WHERE ref = 'P3'`)).toEqual([]);
});
