import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createUiHandler } from '../../src/ui/index.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool });

test('GET /api/queue-limits: each limited queue with its limits and use per partition, for the queues view', async () => {
  const limits = { concurrency: { globalLimit: 3 }, rateLimit: null, clientId: 'c1', at: new Date().toISOString() };
  await t.query(`INSERT INTO river_queue (name, metadata) VALUES ('api', jsonb_build_object('tributary:limits', $1::jsonb)), ('plain', '{}')`, [JSON.stringify(limits)]);
  await t.query(`INSERT INTO river_job (kind, queue, state, args, attempt, attempted_at) VALUES ('k', 'api', 'running', '{}', 1, now())`);
  const response = await createUiHandler(client)(new Request('http://tributary.test/api/queue-limits'));
  expect(response.status).toBe(200);
  expect(await response.json()).toEqual({ queues: [{ queue: 'api', limits, partitions: [{ partition: '[]', running: 1, startsInPeriod: 0, windowFreesAt: null }] }] });
});
