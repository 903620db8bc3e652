import { expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { accountStep } from './sequence-jobs.js';

const t = await createTestDatabase();
const inserter = new Client({ pool: t.pool });
const key = (accountId: number) => `kind=account_step&args={"accountId":${accountId}}`;

test('sequenceJobs lists a halted sequence in run order: done, halting, waiting; another key\'s jobs stay out', async () => {
  await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    workers: [work(accountStep, (job) => { if (job.args.fail === 'discard') throw new Error(`step ${job.args.n} failed`); })],
  });
  const steps = [{}, {}, { fail: 'discard' as const }, {}, {}];
  const ids = (await inserter.insertMany(t.db, steps.map((s, n) => ({ job: accountStep, args: { accountId: 1, n, ...s }, opts: { maxAttempts: s.fail ? 1 : 5 } })))).map((r) => r.job.id);
  const [other] = await inserter.insertMany(t.db, [{ job: accountStep, args: { accountId: 2, n: 0 } }]);
  await waitForState(t, ids[2]!, 'discarded');
  await waitForState(t, other!.job.id, 'completed');

  const { sequence, jobs } = await inserter.sequenceJobs(key(1));
  expect(sequence).toMatchObject({ key: key(1), status: 'halted', haltedBy: { id: ids[2], state: 'discarded' }, pending: 2 });
  expect(jobs.map((j) => [j.id, j.role, j.state])).toEqual([
    [ids[0], 'done', 'completed'],
    [ids[1], 'done', 'completed'],
    [ids[2], 'halting', 'discarded'],
    [ids[3], 'waiting', 'pending'],
    [ids[4], 'waiting', 'pending'],
  ]);
  expect(jobs[2]).toMatchObject({ attempt: 1, maxAttempts: 1, error: 'step 2 failed', finalizedAt: expect.any(Date) });

  // Resumed past, the halting job is skipped and the next one holds the sequence.
  await inserter.sequenceResume(key(1));
  const after = await inserter.sequenceJobs(key(1), { limit: 1 });
  expect(after.jobs.find((j) => j.id === ids[2])?.role).toBe('skipped');
  // limit: 1 of each role, the newest done and the first waiting.
  expect(after.jobs.filter((j) => j.role === 'done' || j.role === 'waiting').length).toBeLessThanOrEqual(2);

  // A finished sequence has no summary, but its recent jobs are still listed.
  expect(await inserter.sequenceJobs(key(2))).toEqual({ sequence: undefined, jobs: [expect.objectContaining({ id: other!.job.id, role: 'done' })] });
});

test('sequenceJobs names each bad parameter', async () => {
  await expect(inserter.sequenceJobs('account_step')).rejects.toThrow(/sequenceJobs: key: must be a sequence key/);
  await expect(inserter.sequenceJobs(key(1), { limit: 0 })).rejects.toThrow(/limit: must be an integer from 1 to 1000, got 0/);
  await expect(inserter.sequenceJobs(key(1), { limt: 5 } as never)).rejects.toThrow(/limt/);
});
