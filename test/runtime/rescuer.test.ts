import { describe, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { Rescuer } from '../../src/maintenance/rescuer.js';
import { noop } from '../support/jobs.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

// A job left running by a client that died: running, attempted long ago.
async function stuckJob(opts: { attempt: number; maxAttempts: number; minutesAgo: number; queue?: string }): Promise<number> {
  const [row] = await t.query(
    `INSERT INTO river_job (kind, args, state, attempt, max_attempts, attempted_at, attempted_by, queue)
     VALUES ('noop', '{}', 'running', $1, $2, now() - make_interval(mins => $3), '{dead_client}', $4) RETURNING id::int`,
    [opts.attempt, opts.maxAttempts, opts.minutesAgo, opts.queue ?? 'rescue'],
  );
  return row!.id;
}

describe('rescuer', () => {
  test('retries a stuck job, discards one at its last attempt, leaves recent ones alone', async () => {
    const retried = await stuckJob({ attempt: 2, maxAttempts: 5, minutesAgo: 90 });
    const discarded = await stuckJob({ attempt: 5, maxAttempts: 5, minutesAgo: 90 });
    const recent = await stuckJob({ attempt: 1, maxAttempts: 5, minutesAgo: 10 });
    const rescuer = new Rescuer({ pool: t.pool, schema: undefined, logger: quietLogger, stuckAfterMs: 3_600_000, clientDeadAfterMs: 30_000 });
    expect(await rescuer.runOnce()).toBe(2);

    const rows = await t.query(`SELECT id::int, state::text, errors, finalized_at, scheduled_at > now() AS later FROM river_job WHERE id = ANY($1) ORDER BY id`, [[retried, discarded, recent]]);
    expect(rows.map((r) => r.state)).toEqual(['retryable', 'discarded', 'running']);
    expect(rows[0]!.errors).toEqual([expect.objectContaining({ attempt: 2, error: 'stuck job rescued' })]);
    expect(rows[0]!.later).toBe(true);
    expect(rows[1]!.finalized_at).toBeInstanceOf(Date);
    expect(await rescuer.runOnce()).toBe(0);
  });

  test('a rescued job comes back through the scheduler and is worked again', async () => {
    const id = await stuckJob({ attempt: 0, maxAttempts: 5, minutesAgo: 5, queue: 'rescued' });
    await startClient(t, { queues: { rescued: { maxWorkers: 1 } }, workers: [work(noop, () => {})], rescueStuckJobsAfter: 60_000, jobTimeout: 1000 });
    // The client's own rescuer first runs a minute after start; a pass now stands in for it.
    await new Rescuer({ pool: t.pool, schema: undefined, logger: quietLogger, stuckAfterMs: 60_000, clientDeadAfterMs: 30_000 }).runOnce();
    const row = await waitForState(t, id, 'completed');
    expect(row.attempt).toBe(1);
    expect(row.errors[0].error).toBe('stuck job rescued');
  });

  test('rescueStuckJobsAfter must cover the longest job timeout', () => {
    expect(() => new Client({ jobTimeout: 120_000, rescueStuckJobsAfter: 60_000 })).toThrow(/rescueStuckJobsAfter: must be at least the longest job timeout \(120000 ms\)/);
    expect(() => new Client({ workers: [work(noop, () => {}, { timeout: 7_200_000 })] })).toThrow(/longest job timeout \(7200000 ms\), got 3600000/);
    expect(() => new Client({ jobTimeout: -1 })).not.toThrow();
  });
});
