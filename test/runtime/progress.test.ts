// ctx.progress(): validated at the call, written to metadata.progress at most every 250 ms per
// job (the first at once, the last always, before the outcome), emitted as job_progress.
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, jobProgress, PROGRESS_WRITE_INTERVAL_MS, ValidationError, work, type JobProgressEvent } from '../../src/index.js';
import { testWorker } from '../../src/testing/index.js';
import { jobDetails } from '../../src/cli/job-details.js';
import { inRolledBackTx } from '../support/rollback.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client({ pool: t.pool, logger: quietLogger, waitRecheckInterval: 600_000 });
const steps = defineJob({ kind: 'steps', args: v.object({ mode: v.picklist(['burst', 'spread', 'object', 'then-fail']) }) });

let spread = { ms: 0, reports: 0 };
const worker = work(steps, async (job, ctx) => {
  switch (job.args.mode) {
    case 'burst':
      for (let i = 1; i <= 100; i++) ctx.progress(i);
      return;
    case 'spread': {
      // Reports every few ms for well over two intervals.
      const startedAt = Date.now();
      let reports = 0;
      while (Date.now() < startedAt + PROGRESS_WRITE_INTERVAL_MS * 3) {
        ctx.progress(Math.min(++reports, 99));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      ctx.progress(100);
      spread = { ms: Date.now() - startedAt, reports: reports + 1 };
      return;
    }
    case 'object':
      ctx.progress({ done: 3, of: 10, stage: 'resize' });
      return;
    case 'then-fail':
      ctx.progress(40);
      throw new Error('failed after reporting');
  }
}, { maxAttempts: 1 });

/** Runs one job of `mode` on a started client; returns the stored row and the job's progress events. */
async function run(mode: 'burst' | 'spread' | 'object' | 'then-fail') {
  const client = await startClient(t, { queues: { default: { maxWorkers: 2 } }, workers: [worker] });
  const events: { event: JobProgressEvent }[] = [];
  client.on('job_progress', (event) => void events.push({ event }));
  const inserted = await inserter.insert(t.db, steps, { mode });
  const job = await inserter.waitFor(inserted).catch((error: { job: unknown }) => error.job as typeof inserted.job);
  return { job, events: events.filter((e) => e.event.job.id === inserted.job.id) };
}

describe('throttled writes', () => {
  test('100 reports in a row: two writes, the first and the last; the job completes with the last stored', async () => {
    const { job, events } = await run('burst');
    expect(events.map((e) => e.event.progress)).toEqual([1, 100]);
    expect(job.state).toBe('completed');
    expect(job.metadata.progress).toBe(100);
    expect(jobProgress(job)).toBe(100);
  });

  test('reports every 5 ms: at most one write per interval (plus the last), the last value stored', async () => {
    const { job, events } = await run('spread');
    // Writes start at least an interval apart while the job runs, then the flush writes the last.
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.length).toBeLessThanOrEqual(Math.floor(spread.ms / PROGRESS_WRITE_INTERVAL_MS) + 2);
    expect(events.length).toBeLessThan(spread.reports);
    expect(events.at(-1)!.event.progress).toBe(100);
    expect(job.metadata.progress).toBe(100);
  });

  test('an object is stored as it was reported, and the event carries it on the job', async () => {
    const { job, events } = await run('object');
    expect(job.metadata.progress).toEqual({ done: 3, of: 10, stage: 'resize' });
    expect(events).toHaveLength(1);
    expect(events[0]!.event.progress).toEqual({ done: 3, of: 10, stage: 'resize' });
    expect(events[0]!.event.job.metadata.progress).toEqual({ done: 3, of: 10, stage: 'resize' });
  });

  test('a job that fails right after reporting keeps both: discarded, its last progress stored', async () => {
    const { job } = await run('then-fail');
    expect(job.state).toBe('discarded');
    expect(job.errors.at(-1)?.error).toBe('failed after reporting');
    expect(job.metadata.progress).toBe(40);
  });
});

describe('validation', () => {
  const bad: [unknown, string][] = [
    [Number.NaN, 'progress: must be a number from 0 to 100, got NaN'],
    [101, 'progress: must be a number from 0 to 100, got 101'],
    [-1, 'progress: must be a number from 0 to 100, got -1'],
    [Number.POSITIVE_INFINITY, 'progress: must be a number from 0 to 100, got Infinity'],
    ['50%', 'progress: must be a number from 0 to 100 or a JSON object, got a string'],
    [[1, 2], 'progress: must be a number from 0 to 100 or a JSON object, got an array'],
    [null, 'progress: must be a number from 0 to 100 or a JSON object, got null'],
    [{ eta: Number.NaN }, 'progress.eta: NaN is not representable in JSON'],
    [{ at: new Date(0) }, 'progress.at: a Date is not a JSON value (pass date.toISOString() and describe it as a string)'],
    [{ stage: 'a\u0000b' }, 'progress.stage: contains a NUL character (\\u0000), which Postgres cannot store in jsonb'],
    [{ log: 'x'.repeat(40_000) }, 'progress: is 40,010 characters as JSON; at most 32,768'],
  ];
  const probe = defineJob({ kind: 'probe', args: v.object({}) });

  test('each bad value throws a ValidationError naming the field, at the call', async () => {
    const messages: string[] = [];
    const tw = testWorker(work(probe, (_job, ctx) => {
      for (const [value] of bad) {
        try {
          ctx.progress(value as never);
          messages.push('accepted');
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          messages.push((error as Error).message);
        }
      }
    }), { client: new Client({ logger: quietLogger }) });
    const { result, job, progress } = await inRolledBackTx(t.db, (tx) => tw.work(tx, {}));
    expect(messages).toEqual(bad.map(([, message]) => `ctx.progress(): ${message}`));
    expect(result).toBe('completed');
    expect(progress).toEqual([]);
    expect(job.metadata).not.toHaveProperty('progress');
  });
});

describe('testWorker', () => {
  test('records every report in order and stores the last, as the client does', async () => {
    const tw = testWorker(worker, { client: new Client({ logger: quietLogger }) });
    const { result, job, progress } = await inRolledBackTx(t.db, (tx) => tw.work(tx, { mode: 'burst' }));
    expect(result).toBe('completed');
    expect(progress).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(job.metadata.progress).toBe(100);
  });
});

describe('reading it back', () => {
  test('jobGet has it in metadata, jobProgress() types it, the CLI job view shows it', async () => {
    const { job } = await inserter.insert(t.db, steps, { mode: 'object' }, { queue: 'nobody' });
    expect(jobProgress(job)).toBeUndefined();
    expect(jobDetails(job)).toMatch(/^ {2}progress +-$/m);
    await t.query(`UPDATE river_job SET metadata = metadata || '{"progress": 42.5}' WHERE id = $1`, [job.id]);
    const read = await waitFor(() => inserter.jobGet(job.id));
    expect(jobProgress(read)).toBe(42.5);
    expect(jobDetails(read)).toMatch(/^ {2}progress +42\.5%$/m);
    expect(jobDetails({ ...read, metadata: { progress: { done: 3, of: 10 } } })).toMatch(/^ {2}progress +\{"done":3,"of":10\}$/m);
    expect(jobProgress({ metadata: { progress: 'half' } })).toBeUndefined();
  });
});
