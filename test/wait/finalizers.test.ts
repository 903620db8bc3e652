// The statements that finalize a job announce it only when a waiter marked it, and a mark made
// by a concurrent waiter is never lost to a finalizing statement's write (and the other way
// round): the row lock orders them, and each reads the latest version after waiting for it.
import pg from 'pg';
import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, defineJob, JobFailedError, work } from '../../src/index.js';
import { jobCompleteMany } from '../../src/sql/job-complete-many.js';
import { jobSetStateMany } from '../../src/sql/job-set-state-many.js';
import { jobWaitMark } from '../../src/sql/job-wait-mark.js';
import { jobRescue } from '../../src/sql/job-rescue.js';
import { jobProgressSet } from '../../src/sql/job-progress-set.js';
import type { Query } from '../../src/sql/query.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const idle = defineJob({ kind: 'idle', args: v.object({}), insertOpts: { queue: 'idle' } });
const waiter = new Client({ pool: t.pool, waitRecheckInterval: 600_000, logger: quietLogger });
const heard: string[] = [];
const listener = new pg.Client({ connectionString: t.url });

beforeAll(async () => {
  await listener.connect();
  listener.on('notification', (m) => void heard.push(m.payload ?? ''));
  await listener.query('LISTEN "public.tributary_finalized"');
});
afterAll(async () => {
  await waiter.stop();
  await listener.end();
});

/** A job running its first attempt, as a fetch leaves it. */
async function runningJob(): Promise<number> {
  const { job } = await waiter.insert(t.db, idle, {});
  await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, [job.id]);
  return job.id;
}

/**
 * Runs `first` in a transaction left open, then `second` on another connection, which waits for
 * the row lock; commits `first` once `second` is seen waiting, and returns `second`'s rows.
 */
async function race(first: Query, second: Query): Promise<{ rows: any[] }> {
  const a = await t.pool.connect();
  const b = await t.pool.connect();
  try {
    await a.query('BEGIN');
    await a.query(first.text, first.values);
    const pid = (await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    const blocked = b.query(second.text, second.values);
    await waitFor(async () => (await t.query(`SELECT wait_event_type FROM pg_stat_activity WHERE pid = $1`, [pid]))[0]?.wait_event_type === 'Lock', { message: 'the second statement to wait for the lock' });
    await a.query('COMMIT');
    return await blocked;
  } finally {
    a.release();
    b.release();
  }
}

const metadataOf = async (id: number) => (await t.query(`SELECT metadata FROM river_job WHERE id = $1`, [id]))[0]!.metadata;

describe('a mark and a finalizing statement at once', () => {
  test('marked first, completed second: the completer sees the mark and announces the job', async () => {
    const id = await runningJob();
    const { rows } = await race(jobWaitMark({ schema: undefined, id }), jobCompleteMany({ schema: undefined, ids: [id], attempts: [1], finalizedAt: [new Date().toISOString()] }));
    expect(rows).toEqual([{ id: String(id), waited_on: false }]);
    await waitFor(() => heard.includes(String(id)), { message: 'the announcement' });
  });

  test('marked first, discarded second (the batch statement for other outcomes): the mark is kept and announced', async () => {
    const id = await runningJob();
    const at = new Date().toISOString();
    const discard = jobSetStateMany({ schema: undefined, rows: [{ id, attempt: 1, state: 'discarded', finalized_at: at, scheduled_at: null, error: { at, attempt: 1, error: 'no', trace: '' }, snoozed: false }] });
    const { rows } = await race(jobWaitMark({ schema: undefined, id }), discard);
    expect(rows).toEqual([{ id: String(id), state: 'discarded' }]);
    expect(await metadataOf(id)).toMatchObject({ 'tributary:notify': true });
    await waitFor(() => heard.includes(String(id)), { message: 'the announcement' });
  });

  test('completed first, marked second: the mark returns the completed row, so the waiter settles at once', async () => {
    const id = await runningJob();
    const { rows } = await race(jobCompleteMany({ schema: undefined, ids: [id], attempts: [1], finalizedAt: [new Date().toISOString()] }), jobWaitMark({ schema: undefined, id }));
    expect(JSON.parse(rows[0].job)).toMatchObject({ id, state: 'completed' });
  });

  test('a progress write and a mark at once keep both keys', async () => {
    const id = await runningJob();
    await race(jobProgressSet({ schema: undefined, id, attempt: 1, json: '50' }), jobWaitMark({ schema: undefined, id }));
    expect(await metadataOf(id)).toEqual({ progress: 50, 'tributary:notify': true });
  });

  test('a job nobody waits for is finalized without an announcement', async () => {
    const quiet = await runningJob();
    const marked = await runningJob();
    await t.pool.query(jobWaitMark({ schema: undefined, id: marked }).text, jobWaitMark({ schema: undefined, id: marked }).values);
    const complete = jobCompleteMany({ schema: undefined, ids: [quiet, marked], attempts: [1, 1], finalizedAt: [new Date().toISOString(), new Date().toISOString()] });
    expect((await t.pool.query(complete.text, complete.values)).rows).toHaveLength(2);
    // Announcements arrive in commit order: once the marked job's is heard, the other would have been.
    await waitFor(() => heard.includes(String(marked)), { message: 'the marked job announced' });
    expect(heard).not.toContain(String(quiet));
  });
});

describe('the mark', () => {
  test('wakes an available job\'s queue, whose fetch may have skipped the row it locked', async () => {
    const wakes: string[] = [];
    const queueListener = new pg.Client({ connectionString: t.url });
    await queueListener.connect();
    try {
      queueListener.on('notification', (m) => void wakes.push(m.payload ?? ''));
      await queueListener.query('LISTEN "public.river_insert"');
      const { job } = await waiter.insert(t.db, idle, {});
      await waitFor(() => wakes.length > 0, { message: "the insert's own notification" });
      wakes.length = 0;
      const mark = jobWaitMark({ schema: undefined, id: job.id });
      expect((await t.pool.query(mark.text, mark.values)).rows[0].woke).toBe(true);
      await waitFor(() => wakes.some((w) => JSON.parse(w).queue === 'idle'), { message: 'a wake of the queue' });
      const running = await runningJob();
      const again = jobWaitMark({ schema: undefined, id: running });
      expect((await t.pool.query(again.text, again.values)).rows[0].woke).toBe(false);
    } finally {
      await queueListener.end();
    }
  });
});

describe('other finalizers', () => {
  test('completeTx in the worker\'s transaction wakes the waiter', async () => {
    const tx = defineJob({ kind: 'in_tx', args: v.object({}), insertOpts: { queue: 'tx' } });
    const { job } = await waiter.insert(t.db, tx, {});
    const waiting = waiter.waitFor(job);
    await waitFor(async () => (await metadataOf(job.id))['tributary:notify']);
    await startClient(t, {
      queues: { tx: { maxWorkers: 1 } },
      workers: [work(tx, async (row, ctx) => {
        await t.db.transaction(async (handle) => {
          await handle.execute(sql`SELECT 1`);
          await ctx.client.completeTx(handle, row);
        });
      })],
    });
    expect(await waiting).toMatchObject({ id: job.id, state: 'completed' });
  });

  test('the rescuer discarding a stuck job at its last attempt wakes the waiter', async () => {
    const id = await runningJob();
    await t.query(`UPDATE river_job SET max_attempts = 1, attempted_at = now() - interval '2 hours' WHERE id = $1`, [id]);
    const waiting = waiter.waitFor(id).catch((error: unknown) => error);
    await waitFor(async () => (await metadataOf(id))['tributary:notify']);
    const rescue = jobRescue({ schema: undefined, now: null, stuckAfterMs: 3_600_000, liveClientWindowMs: null, limit: 100 });
    expect((await t.pool.query(rescue.text, rescue.values)).rows[0]).toMatchObject({ rescued: 1, waiters: 1 });
    const error = (await waiting) as JobFailedError;
    expect(error).toBeInstanceOf(JobFailedError);
    expect(error.lastError?.error).toBe('stuck job rescued');
  });
});
