import { expect, test } from 'vitest';
import { work } from '../../src/index.js';
import { hold, persistentHold } from '../fixtures/hold-job.js';
import { spawnChildClient } from '../support/child-client.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();

test('a persistent worker whose process is killed starts again in another process, once', { timeout: 120_000 }, async () => {
  const child = await spawnChildClient(t.url, { persistent: true });
  await child.waitFor((m) => m.type === 'leader_elected');
  const started = await child.waitFor((m) => m.type === 'started');
  const id = Number(started.id);

  // The survivor runs the same recipe; while the child lives, its ticks are unique duplicates.
  const running = new Set<number>();
  let mostAtOnce = 0;
  const survivor = await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    periodicJobs: [persistentHold()],
    workers: [work(hold, async (job, { signal }) => {
      running.add(job.id);
      mostAtOnce = Math.max(mostAtOnce, running.size);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      running.delete(job.id);
    }, { timeout: -1 })],
  });
  expect(survivor.isLeader).toBe(false);

  const killedAt = Date.now();
  await child.kill();
  await waitFor(() => running.has(id), { timeoutMs: 75_000, intervalMs: 200, message: 'the instance to run again in the survivor' });
  const tookMs = Date.now() - killedAt;
  expect(tookMs).toBeLessThan(60_000);

  // The same job, on its second attempt, and still the only one.
  const [row] = await t.query(`SELECT attempt, state::text, errors FROM river_job WHERE id = $1`, [id]);
  expect(row).toMatchObject({ attempt: 2, state: 'running' });
  expect(row!.errors).toEqual([expect.objectContaining({ error: 'stuck job rescued: its client stopped heartbeating' })]);
  expect((await t.query(`SELECT count(*)::int AS n FROM river_job WHERE kind = 'hold'`))[0]!.n).toBe(1);
  expect(mostAtOnce).toBe(1);
  console.log(`persistent worker running again ${(tookMs / 1000).toFixed(1)} s after SIGKILL`);

  await survivor.stopAndCancel();
  await waitForState(t, id, 'completed'); // it returns once its signal aborts, as the recipe's worker does
});
