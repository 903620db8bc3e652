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
      seen.push(...ctx.items.map((item) => `${item.job.kind} ${JSON.stringify(item.opts?.metadata ?? {})}`));
      return next();
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
  const [row] = await t.query(`SELECT metadata FROM river_job WHERE kind = 'noop'`);
  expect(row!.metadata).toMatchObject({ periodic: true, 'river:periodic_job_id': 'hourly_noop' });
});
