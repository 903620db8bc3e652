import { expect, test } from 'vitest';
import { periodicJob, work, type Middleware } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();

test("periodic jobs are inserted through the client's insert middleware, as every insert is", async () => {
  const seen: string[] = [];
  const audit: Middleware = {
    name: 'audit',
    insert: async (ctx, next) => {
      const results = await next();
      // Recorded once the insert is done, so the row is there when the test looks.
      seen.push(...ctx.items.map((item) => `${item.job.kind} ${JSON.stringify(item.opts?.metadata ?? {})}`));
      return results;
    },
  };
  await startClient(t, {
    queues: { default: { maxWorkers: 1 } },
    workers: [work(noop, () => {})],
    middleware: [audit],
    periodicJobs: [periodicJob({ every: 3_600_000 }, () => ({ job: noop, args: { n: 1 } }), { runOnStart: true, id: 'hourly_noop' })],
  });
  await waitFor(() => seen.length > 0, { message: 'the periodic insert to pass the middleware' });
  expect(seen[0]).toMatch(/^noop .*"river:periodic_job_id":"hourly_noop"/);
  // The enqueuer commits its transaction after the middleware returns: wait for the row itself.
  let rows: Record<string, unknown>[] = [];
  await waitFor(async () => (rows = await t.query(`SELECT metadata FROM river_job WHERE kind = 'noop'`)).length > 0, { message: 'the periodic job row' });
  expect(rows[0]!.metadata).toMatchObject({ periodic: true, 'river:periodic_job_id': 'hourly_noop' });
});
