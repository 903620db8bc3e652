import * as v from 'valibot';
import { beforeEach, describe, expect, test } from 'vitest';
import { defineJob, periodicJob, work, type JobState } from '../../src/index.js';
import { PeriodicEnqueuer } from '../../src/maintenance/periodic-enqueuer.js';
import { quietLogger, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

// The README's recipe for a persistent single-instance worker.
const stream = defineJob({ kind: 'persistent_stream', args: v.object({}) });
const singleInstance: JobState[] = ['available', 'pending', 'retryable', 'running', 'scheduled'];
let constructed = 0;
const keepStreaming = periodicJob(
  { every: 1000 },
  () => (constructed++, { job: stream, args: {}, opts: { uniqueOpts: { byState: singleInstance } } }),
  { runOnStart: true, id: 'persistent_stream' },
);

const t = await createTestDatabase();
/** The instances running now, in any client of this process, each with a function that ends it. */
const instances = new Map<number, () => void>();
let mostAtOnce = 0;
const streamWorker = work(
  stream,
  async (job, { signal }) => {
    await new Promise<void>((resolve) => {
      instances.set(job.id, resolve);
      mostAtOnce = Math.max(mostAtOnce, instances.size);
      signal.addEventListener('abort', () => resolve(), { once: true });
    });
    instances.delete(job.id);
  },
  { timeout: -1 },
);

const rows = () => t.query(`SELECT id::int, state::text FROM river_job WHERE kind = 'persistent_stream' ORDER BY id`);
const onlyInstance = () => (instances.size === 1 ? [...instances.keys()][0] : undefined);

beforeEach(async () => {
  await t.query('DELETE FROM river_job');
  instances.clear();
  mostAtOnce = 0;
});

describe('a persistent single-instance worker', () => {
  test('across two clients exactly one instance runs; after it ends, a new one starts', async () => {
    // Two slots per client, so a duplicate job would run beside the first if uniqueness failed.
    const config = { queues: { default: { maxWorkers: 2 } }, workers: [streamWorker], periodicJobs: [keepStreaming] };
    const a = await startClient(t, { ...config, id: 'persistent_a' });
    const b = await startClient(t, { ...config, id: 'persistent_b' });
    const first = await waitFor(onlyInstance, { message: 'the first instance' });

    // Several ticks later, each one skipped as a unique duplicate of the running instance.
    const seen = constructed;
    await waitFor(() => constructed >= seen + 3, { timeoutMs: 10_000, message: 'three more ticks' });
    expect(await rows()).toEqual([{ id: first, state: 'running' }]);
    expect(mostAtOnce).toBe(1);

    instances.get(first)!();
    await waitForState(t, first, 'completed');
    const second = await waitFor(() => (onlyInstance() !== first ? onlyInstance() : undefined), { message: 'a new instance' });
    expect(await rows()).toEqual([{ id: first, state: 'completed' }, { id: second, state: 'running' }]);
    expect(mostAtOnce).toBe(1);
    expect([a.isLeader, b.isLeader].filter(Boolean)).toHaveLength(1);

    // The worker loops until its signal aborts: stopAndCancel() is what ends it.
    await Promise.all([a.stopAndCancel(), b.stopAndCancel()]);
    expect(instances.size).toBe(0);
  });

  test('a rescued instance (retryable) still keeps a second one out; a finished one lets the next tick in', async () => {
    let now = new Date('2025-01-01T10:00:00.500Z');
    const enqueuer = new PeriodicEnqueuer({ pool: t.pool, schema: undefined, logger: quietLogger, periodicJobs: [keepStreaming], insertDefaults: undefined, now: () => now });
    const tickAndCount = async (at: string) => {
      now = new Date(at);
      return enqueuer.runOnce();
    };
    expect(await enqueuer.runOnce()).toBe(1); // runOnStart
    const [{ id }] = (await rows()) as [{ id: number }];
    await t.query(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = $1`, [id]);
    expect(await tickAndCount('2025-01-01T10:00:01Z')).toBe(0);
    // What the rescuer does to the job of a client that died: retryable, due again soon.
    await t.query(`UPDATE river_job SET state = 'retryable', scheduled_at = now() + interval '1 second' WHERE id = $1`, [id]);
    expect(await tickAndCount('2025-01-01T10:00:02Z')).toBe(0);
    await t.query(`UPDATE river_job SET state = 'completed', finalized_at = now() WHERE id = $1`, [id]);
    expect(await tickAndCount('2025-01-01T10:00:03Z')).toBe(1);
    expect((await rows()).map((r) => r.state)).toEqual(['completed', 'available']);
  });
});
