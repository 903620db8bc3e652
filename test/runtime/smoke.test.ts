import { afterAll, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();

test('works inserted jobs', async () => {
  const seen: number[] = [];
  const client = new Client({ pool: t.pool, queues: { default: { maxWorkers: 5 } }, workers: [work(noop, (job) => void seen.push(job.args.n ?? -1))] });
  afterAll(() => client.stop());
  await client.start();
  await client.insertMany(t.db, Array.from({ length: 20 }, (_, n) => ({ job: noop, args: { n } })));
  await waitFor(async () => (await t.query(`SELECT count(*)::int AS n FROM river_job WHERE state = 'completed'`))[0]?.n === 20);
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, n) => n));
  await client.stop();
});
