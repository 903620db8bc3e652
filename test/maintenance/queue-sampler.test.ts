import * as v from 'valibot';
import { beforeEach, describe, expect, test } from 'vitest';
import { defineJob, work } from '../../src/index.js';
import { QUEUE_SAMPLE_RETENTION_MS, QueueSampler } from '../../src/maintenance/queue-sampler.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const HOUR = 3_600_000;
const sampler = (logger = quietLogger, now?: () => Date) => new QueueSampler({ pool: t.pool, schema: undefined, logger, now });
const samples = () =>
  t.query<{ queue: string; completed: number; failed: number; discarded: number; available: number | null; scheduled: number | null; running: number | null; retryable: number | null }>(
    `SELECT queue, completed, failed, discarded, available, scheduled, running, retryable FROM tributary_queue_sample ORDER BY queue, at`,
  );

beforeEach(async () => {
  await t.query('DELETE FROM tributary_queue_sample; DELETE FROM river_job; DELETE FROM river_queue');
});

describe('queue sampler (the leader, once a minute)', () => {
  test('on an empty database it writes nothing', async () => {
    expect(await sampler().runOnce()).toBe(0);
    expect(await samples()).toEqual([]);
  });

  test("writes each queue's depth for the current minute: waiting states only, idle river_queue queues as zeros", async () => {
    await t.query(`INSERT INTO river_queue (name) VALUES ('idle'), ('mail')`);
    await t.query(
      `INSERT INTO river_job (state, kind, queue, args, scheduled_at, attempted_at, finalized_at) VALUES
        ('available', 'k', 'mail', '{}', now(), NULL, NULL), ('available', 'k', 'mail', '{}', now(), NULL, NULL),
        ('scheduled', 'k', 'mail', '{}', now() + interval '1 hour', NULL, NULL),
        ('running', 'k', 'mail', '{}', now(), now(), NULL),
        ('retryable', 'k', 'billing', '{}', now() + interval '1 minute', now(), NULL),
        ('completed', 'k', 'mail', '{}', now(), now(), now()), ('pending', 'k', 'mail', '{}', now(), NULL, NULL)`,
    );
    expect(await sampler().runOnce()).toBe(3);
    expect(await samples()).toEqual([
      { queue: 'billing', completed: 0, failed: 0, discarded: 0, available: 0, scheduled: 0, running: 0, retryable: 1 },
      { queue: 'idle', completed: 0, failed: 0, discarded: 0, available: 0, scheduled: 0, running: 0, retryable: 0 },
      { queue: 'mail', completed: 0, failed: 0, discarded: 0, available: 2, scheduled: 1, running: 1, retryable: 0 },
    ]);
    const [current] = await t.query(`SELECT bool_and(at = date_trunc('minute', now())) AS yes FROM tributary_queue_sample`);
    expect(current?.yes).toBe(true);

    // A second pass in the same minute replaces the depth rather than adding a row.
    await t.query(`UPDATE river_job SET state = 'available', attempted_at = NULL WHERE state = 'running'`);
    await sampler().runOnce();
    expect((await samples()).find((s) => s.queue === 'mail')).toMatchObject({ available: 3, running: 0 });
    expect(await samples()).toHaveLength(3);
  });

  test(`prunes samples older than ${QUEUE_SAMPLE_RETENTION_MS / HOUR} h, by the injected clock`, async () => {
    const now = new Date('2030-01-01T12:00:00Z');
    await t.query(
      `INSERT INTO tributary_queue_sample (queue, at, completed) VALUES ('q', $1::timestamptz - interval '26 hours 1 minute', 1), ('q', $1::timestamptz - interval '25 hours', 2)`,
      [now],
    );
    await sampler(quietLogger, () => now).runOnce();
    expect((await samples()).map((s) => s.completed)).toEqual([2]);
  });

  test('without the table it warns once and does nothing', async () => {
    const bare = await createTestDatabase();
    await bare.query('DROP TABLE tributary_queue_sample');
    const warnings: string[] = [];
    const service = new QueueSampler({ pool: bare.pool, schema: undefined, logger: { ...quietLogger, warn: (m: string) => warnings.push(m) } });
    expect(await service.runOnce()).toBe(0);
    expect(await service.runOnce()).toBe(0);
    expect(warnings).toEqual([expect.stringContaining('table tributary_queue_sample is missing')]);
  });
});

describe('throughput (each working client, every 5 s)', () => {
  const ok = defineJob({ kind: 'ok', args: v.object({}) });
  const flaky = defineJob({ kind: 'flaky', args: v.object({}) });
  const broken = defineJob({ kind: 'broken', args: v.object({}) });

  test('counts completed jobs, failed attempts (retried or not) and discarded jobs per queue; stop writes what is left', async () => {
    const client = await startClient(t, {
      queues: { default: { maxWorkers: 4 }, other: { maxWorkers: 2 } },
      workers: [
        work(ok, () => {}),
        work(flaky, (job) => { if (job.attempt === 1) throw new Error('first try fails'); }, { nextRetry: () => 0 }),
        work(broken, () => { throw new Error('always'); }),
      ],
    });
    await client.insertMany(t.db, [
      { job: ok, args: {} }, { job: ok, args: {} }, { job: ok, args: {}, opts: { queue: 'other' } },
      { job: broken, args: {}, opts: { maxAttempts: 1 } },
    ]);
    const { job: flakyJob } = await client.insert(t.db, flaky, {}, { maxAttempts: 3 });
    // Each job's last outcome, waited for in the database: 3 ok, flaky on its second attempt, broken discarded.
    await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state IN ('completed', 'discarded')`))[0]?.n === 5, { timeoutMs: 20_000, message: 'five finished jobs' });
    expect((await client.jobGet(flakyJob.id))!.state).toBe('completed');
    await client.stop();
    const totals = await t.query(
      `SELECT queue, sum(completed)::int AS completed, sum(failed)::int AS failed, sum(discarded)::int AS discarded FROM tributary_queue_sample GROUP BY queue ORDER BY queue`,
    );
    expect(totals).toEqual([
      { queue: 'default', completed: 3, failed: 2, discarded: 1 },
      { queue: 'other', completed: 1, failed: 0, discarded: 0 },
    ]);
  });
});
