import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();
const step = defineJob({ kind: 'step', args: v.object({ name: v.string() }) });

test('jobs run by priority, then scheduled time, then id', async () => {
  const order: string[] = [];
  await t.db.transaction(async (tx) => {
    for (const [name, priority] of [['p4', 4], ['p3', 3], ['p2a', 2], ['p1', 1], ['p2b', 2]] as const) {
      await inserter.insert(tx, step, { name }, { priority, queue: 'ordered' });
    }
  });
  await startClient(t, { queues: { ordered: { maxWorkers: 1 } }, workers: [work(step, (job) => void order.push(job.args.name))] });
  await waitFor(() => order.length === 5, { message: 'five jobs' });
  expect(order).toEqual(['p1', 'p2a', 'p2b', 'p3', 'p4']);
});

test('a scheduled job does not run before its time', async () => {
  let startedAt = 0;
  await startClient(t, { queues: { later: { maxWorkers: 1 } }, workers: [work(step, () => void (startedAt = Date.now()))] });
  const { job } = await inserter.insert(t.db, step, { name: 'later' }, { queue: 'later', scheduledAt: new Date(Date.now() + 1500) });
  expect(job.state).toBe('scheduled');
  await waitForState(t, job.id, 'completed');
  expect(startedAt).toBeGreaterThanOrEqual(job.scheduledAt.getTime());
});
