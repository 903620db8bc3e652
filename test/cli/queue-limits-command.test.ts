import { expect, test } from 'vitest';
import { createTestDatabase } from '../support/test-database.js';
import { runCli } from './cli-process.js';

const t = await createTestDatabase();
const db = ['--database-url', t.url];

test('queues limits: each limited queue with its limits and use per partition, as a table and as JSON', async () => {
  const limits = { concurrency: { globalLimit: 2, partition: { byArgs: ['customer'] } }, rateLimit: { limit: 60, period: 60_000 }, clientId: 'host_1', at: new Date().toISOString() };
  await t.query(`INSERT INTO river_queue (name, metadata) VALUES ('api', jsonb_build_object('tributary:limits', $1::jsonb)), ('plain', '{}')`, [JSON.stringify(limits)]);
  await t.query(`INSERT INTO river_job (kind, queue, state, args, attempt, attempted_at) VALUES ('k', 'api', 'running', '{"customer":"acme"}', 1, now()), ('k', 'api', 'running', '{}', 1, now())`);

  const table = await runCli(['queues', 'limits', ...db]);
  expect(table.code).toBe(0);
  const lines = table.stdout.trim().split('\n');
  expect(lines[0]!.split(/\s{2,}/)).toEqual(['QUEUE', 'LIMITS', 'RECORDED BY', 'PARTITION', 'RUNNING', 'STARTS IN PERIOD']);
  expect(lines[1]).toMatch(/^api\s+global 2 per customer; 60 per 60000 ms\s+host_1\s+\["acme"\]\s+1\s+0$/);
  expect(lines[2]).toMatch(/^\s+\[null\]\s+1\s+0$/);
  expect(table.stdout).not.toMatch(/plain/);

  const { queues } = JSON.parse((await runCli(['queues', 'limits', 'api', '--json', ...db])).stdout);
  expect(queues).toEqual([{ queue: 'api', limits, partitions: [{ partition: '["acme"]', running: 1, startsInPeriod: 0, windowFreesAt: null }, { partition: '[null]', running: 1, startsInPeriod: 0, windowFreesAt: null }] }]);
  expect((await runCli(['queues', 'limits', 'plain', ...db])).stdout).toBe('queue plain: no limits recorded\n');
  const bad = await runCli(['queues', 'limits', 'Bad Name', ...db]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toMatch(/not a queue name/);
});
