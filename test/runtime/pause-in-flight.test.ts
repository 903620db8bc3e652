// A fetch already on its way when its queue is paused (waiting for a pool connection on a busy
// machine, say) may take a job inserted after the pause. It must not start: it goes back, and
// runs once the queue is resumed. Seen as a flaky pause test under load.
import { expect, test } from 'vitest';
import { Client, work, type PgPool } from '../../src/index.js';
import { isFetch } from '../support/fetch-spy.js';
import { noop } from '../support/jobs.js';
import { jobRow, nextEvent, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();

test('jobs a fetch brings back after a pause are given back unstarted, and run after the resume', async () => {
  let hold = false;
  const held: (() => void)[] = [];
  let takenAfterPause = 0;
  const pool: PgPool = {
    async query(text, values) {
      if (!hold || !isFetch(text)) return t.pool.query(text, values);
      await new Promise<void>((resolve) => held.push(resolve));
      const result = await t.pool.query(text, values);
      takenAfterPause += result.rows.length;
      return result;
    },
    connect: () => t.pool.connect(),
  };
  const ran: number[] = [];
  const client = await startClient(t, { pool, queues: { paused_late: { maxWorkers: 2 } }, workers: [work(noop, (job) => void ran.push(job.id))] });
  hold = true;
  await waitFor(() => held.length > 0, { message: 'a poll fetch on its way' });
  const paused = nextEvent(client, 'queue_paused');
  await t.query(`SELECT pg_notify('public.river_control', '{"action":"pause","queue":"paused_late"}')`);
  await paused;
  const { job } = await new Client().insert(t.db, noop, {}, { queue: 'paused_late' });
  for (const release of held.splice(0)) release(); // the fetch now runs, and takes the job
  await waitFor(() => takenAfterPause === 1, { message: 'the fetch on its way to take the job' });
  hold = false;
  // Given back, or (the defect) started: whichever comes first.
  await waitFor(async () => ran.length > 0 || (await jobRow(t, job.id)).attempted_by === null, { message: 'the job given back or started' });
  expect(ran).toEqual([]);
  expect(await jobRow(t, job.id)).toMatchObject({ state: 'available', attempt: 0, attempted_by: null });

  const resumed = nextEvent(client, 'queue_resumed');
  await t.query(`SELECT pg_notify('public.river_control', '{"action":"resume","queue":"paused_late"}')`);
  await resumed;
  await waitForState(t, job.id, 'completed');
  expect(ran).toEqual([job.id]);
});
