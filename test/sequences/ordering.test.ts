import { expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { accountStep, sequenceProblems, type Run } from './sequence-jobs.js';

const t = await createTestDatabase();
const inserter = new Client();

test('jobs of one key run one at a time in insert order; different keys run side by side', async () => {
  const { job: first } = await inserter.insert(t.db, accountStep, { accountId: 1, n: 0 });
  expect(first.state).toBe('pending');
  expect(first.metadata['tributary:sequence']).toEqual({ key: 'kind=account_step&args={"accountId":1}', continue_on_cancelled: false, continue_on_discarded: false });
  await inserter.insertMany(t.db, [1, 2, 3].flatMap((accountId) => [1, 2, 3, 4].map((n) => ({ job: accountStep, args: { accountId, n } }))));

  const runs: Run[] = [];
  let running = 0;
  let mostAtOnce = 0;
  await startClient(t, {
    queues: { default: { maxWorkers: 10 } },
    workers: [
      work(accountStep, async (job) => {
        const start = performance.now();
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        runs.push({ id: job.id, key: String(job.args.accountId), n: job.args.n, start, end: performance.now() });
      }),
    ],
  });
  await waitFor(() => runs.length === 13, { message: '13 runs' });
  expect(sequenceProblems(runs)).toEqual([]);
  for (const accountId of ['1', '2', '3']) {
    expect(runs.filter((r) => r.key === accountId).map((r) => r.n)).toEqual(accountId === '1' ? [0, 1, 2, 3, 4] : [1, 2, 3, 4]);
  }
  // Three keys, so up to three at once: the keys did not wait for each other.
  expect(mostAtOnce).toBeGreaterThan(1);
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state <> 'completed'`))[0]!.n === 0, { message: 'every job completed' });
});
