import { expect, test } from 'vitest';
import { Client, migrate, ValidationError, work } from '../../src/index.js';
import { listen } from '../support/notifications.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { accountStep } from './sequence-jobs.js';

const t = await createTestDatabase();

test('sequences work on tables in a named schema, waking its own channel', async () => {
  await migrate({ pool: t.pool, schema: 'seq_here' });
  const wake = await listen(t.url, 'seq_here.tributary_sequence');
  const inserter = new Client({ schema: 'seq_here' });
  const ids = (await inserter.insertMany(t.db, [0, 1, 2].map((n) => ({ job: accountStep, args: { accountId: 1, n } })))).map((r) => r.job.id);
  await wake.flush();
  expect(wake.payloads).toEqual(['{}']);
  await wake.close();

  const order: number[] = [];
  const client = await startClient(t, { schema: 'seq_here', queues: { default: { maxWorkers: 5 } }, workers: [work(accountStep, (job) => void order.push(job.id))] });
  await waitFor(() => order.length === 3, { message: 'three runs' });
  expect(order).toEqual(ids);
  await waitFor(async () => (await client.sequenceList()).length === 0, { message: 'the sequence done' });
  expect(await t.query('SELECT count(*)::int AS n FROM public.river_job')).toEqual([{ n: 0 }]);
});

test('sequenceList parameters are checked, each naming its field', async () => {
  const client = new Client({ pool: t.pool });
  const error = await client.sequenceList({ limit: 0, halted: 'yes', after: 'x', limt: 3 } as never).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['limt', 'halted', 'after', 'limit']);
  await expect(client.sequenceGet('accountId=1')).rejects.toThrow(/key: must be a sequence key/);
  await expect(client.sequenceResume('kind=nothing')).rejects.toThrow(/sequence "kind=nothing" not found/);
});
