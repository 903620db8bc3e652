import { afterAll, expect, test } from 'vitest';
import { cancelJob, Client, work } from '../../src/index.js';
import { promoteSequences } from '../../src/maintenance/sequence-promotion.js';
import { quietLogger, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { accountStep, sequenceProblems, type Run } from './sequence-jobs.js';

const t = await createTestDatabase();
const runs: (Run & { attempt: number })[] = [];

// Each job does what its args say on its first attempt: fail once (then retry), fail for good
// (inserted with maxAttempts 1, so discarded), or cancel itself.
// One client for the whole file (startClient's would stop after the first test).
const client = new Client({
  pool: t.pool,
  fetchCooldown: 5,
  fetchPollInterval: 100,
  logger: quietLogger,
  queues: { default: { maxWorkers: 5 } },
  retryPolicy: () => 100,
  workers: [
    work(accountStep, async (job) => {
      const start = performance.now();
      await new Promise((resolve) => setTimeout(resolve, 10));
      runs.push({ id: job.id, key: String(job.args.accountId), n: job.args.n, start, end: performance.now(), attempt: job.attempt });
      if (job.attempt > 1) return;
      if (job.args.fail === 'once' || job.args.fail === 'discard') throw new Error(`step ${job.args.n} failed`);
      if (job.args.fail === 'cancel') cancelJob('cancelled by the step');
    }),
  ],
});
await client.start();
afterAll(() => client.stop());
const inserter = new Client({ pool: t.pool });

async function insertSteps(accountId: number, steps: { fail?: 'once' | 'discard' | 'cancel'; continueOnCancelled?: boolean; continueOnDiscarded?: boolean }[]) {
  const results = await inserter.insertMany(t.db, steps.map(({ fail, ...flags }, n) => ({
    job: accountStep,
    args: { accountId, n, fail },
    opts: { maxAttempts: fail === 'discard' ? 1 : 5, sequence: { byArgs: ['accountId' as const], ...flags } },
  })));
  return results.map((r) => r.job.id);
}
const key = (accountId: number) => `kind=account_step&args={"accountId":${accountId}}`;
const ranIds = (accountId: number) => runs.filter((r) => r.key === String(accountId)).map((r) => r.id);
/** Promotes every ready sequence now, as the leader's next pass would, so a test can say what it did not promote. */
const promoteAll = () => promoteSequences(t.pool, undefined, null);

test('a job waiting to retry holds its sequence until it ends', async () => {
  const [a, b] = await insertSteps(10, [{ fail: 'once' }, {}]);
  await waitForState(t, b!, 'completed');
  expect(runs.filter((r) => r.key === '10').map((r) => [r.id, r.attempt])).toEqual([[a, 1], [a, 2], [b, 1]]);
  expect(sequenceProblems(runs)).toEqual([]);
});

test('a discarded job halts its sequence until it is resumed, which moves past it without running it', async () => {
  const [a, b, c] = await insertSteps(11, [{ fail: 'discard' }, {}, {}]);
  await waitForState(t, a!, 'discarded');
  await promoteAll();
  expect(await client.sequenceGet(key(11))).toEqual({
    key: key(11), kind: 'account_step', status: 'halted', current: null, haltedBy: { id: a, state: 'discarded' }, pending: 2, nextId: b,
  });
  expect((await client.sequenceList({ halted: true })).map((s) => s.key)).toContain(key(11));
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [b]))[0]!.state).toBe('pending');

  const resumed = await client.sequenceResume(key(11));
  expect(resumed.skipped).toEqual([a]);
  await waitForState(t, c!, 'completed');
  expect(ranIds(11)).toEqual([a, b, c]);
  const [row] = await t.query(`SELECT state::text, metadata FROM river_job WHERE id = $1`, [a]);
  expect(row!.state).toBe('discarded');
  expect(row!.metadata['tributary:sequence']).toHaveProperty('resumed_at');
  expect(await client.sequenceGet(key(11))).toBeUndefined();
});

test('a cancelled job halts its sequence until it is retried; it then runs first', async () => {
  const [a, b] = await insertSteps(12, [{ fail: 'cancel' }, {}]);
  await waitForState(t, a!, 'cancelled');
  await promoteAll();
  expect((await client.sequenceGet(key(12)))?.status).toBe('halted');
  const retried = await client.jobRetry(a!);
  expect(['pending', 'available', 'running', 'completed']).toContain(retried.state);
  await waitForState(t, b!, 'completed');
  expect(runs.filter((r) => r.key === '12').map((r) => [r.id, r.attempt])).toEqual([[a, 1], [a, 2], [b, 1]]);
  expect(sequenceProblems(runs)).toEqual([]);
});

test('deleting the halting job lets its sequence go on', async () => {
  const [a, b] = await insertSteps(13, [{ fail: 'discard' }, {}]);
  await waitForState(t, a!, 'discarded');
  await promoteAll();
  expect((await client.sequenceGet(key(13)))?.status).toBe('halted');
  await client.jobDelete(a!);
  await waitForState(t, b!, 'completed');
});

test('continueOnDiscarded and continueOnCancelled go on past such a job', async () => {
  const [a, b, c] = await insertSteps(14, [{ fail: 'discard', continueOnDiscarded: true }, { fail: 'cancel', continueOnCancelled: true }, {}]);
  await waitForState(t, c!, 'completed');
  expect(ranIds(14)).toEqual([a, b, c]);
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = ANY($1) ORDER BY id`, [[a, b]])).map((r) => r.state)).toEqual(['discarded', 'cancelled']);
  // Without the flag, the same outcomes halt.
  const [d, e] = await insertSteps(15, [{ fail: 'cancel', continueOnDiscarded: true }, {}]);
  await waitForState(t, d!, 'cancelled');
  await promoteAll();
  expect((await client.sequenceGet(key(15)))?.haltedBy).toEqual({ id: d, state: 'cancelled' });
  expect((await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [e]))[0]!.state).toBe('pending');
});

test('a job cancelled before it ever ran leaves its sequence without halting it', async () => {
  // The first job holds the sequence long enough to cancel the second while it waits.
  const gate = await inserter.insert(t.db, accountStep, { accountId: 16, n: 0 }, { scheduledAt: new Date(Date.now() + 1500) });
  const [b, c] = await insertSteps(16, [{}, {}]).then((ids) => ids);
  await waitFor(async () => (await t.query(`SELECT state::text FROM river_job WHERE id = $1`, [gate.job.id]))[0]!.state === 'scheduled', { message: 'the first job promoted to scheduled' });
  expect((await client.jobCancel(b!)).state).toBe('cancelled');
  await waitForState(t, c!, 'completed');
  expect(ranIds(16)).toEqual([gate.job.id, c]);
});
