import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { spawnChildClient } from '../support/child-client.js';
import { jobRow, quietLogger, recordEvents, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const admin = new Client({ pool: t.pool, logger: quietLogger });
const insertHold = async () => (await t.query<{ id: number }>(`INSERT INTO river_job (kind, args) VALUES ('hold', '{}') RETURNING id::int`))[0]!.id;

test('jobCancel aborts a job running in another process, which ends cancelled', async () => {
  const child = await spawnChildClient(t.url);
  const id = await insertHold();
  await child.waitFor((m) => m.type === 'started' && m.id === id);

  const returned = await admin.jobCancel(id);
  expect(returned.state).toBe('running');
  expect(returned.metadata.cancel_attempted_at).toBeTypeOf('string');

  const aborted = await child.waitFor((m) => m.type === 'aborted' && m.id === id);
  expect(aborted.reason).toMatch(/JobCancelError: job cancelled while running/);
  await child.waitFor((m) => m.type === 'cancelled' && m.id === id);
  const row = await waitForState(t, id, 'cancelled');
  expect(row.metadata.cancel_attempted_at).toBe(returned.metadata.cancel_attempted_at);
  expect(row.finalized_at).toBeInstanceOf(Date);
  expect(row.attempted_by).toEqual([child.id]);
  await child.stop();
});

test('jobCancel through the client running the job aborts its signal too', async () => {
  const hold = defineJob({ kind: 'hold', args: v.object({}) });
  const started = new Set<number>();
  const client = await startClient(t, {
    queues: { default: { maxWorkers: 2 } },
    workers: [work(hold, (job, { signal }) => new Promise((_resolve, reject) => {
      started.add(job.id);
      signal.addEventListener('abort', () => reject(signal.reason));
    }))],
  });
  const cancelled = recordEvents(client, 'job_cancelled');
  const id = await insertHold();
  await waitFor(() => started.has(id), { message: `job ${id} to start` });
  await client.jobCancel(id);
  expect((await cancelled.forJob(id)).job.state).toBe('cancelled');
  expect((await jobRow(t, id)).state).toBe('cancelled');
});
