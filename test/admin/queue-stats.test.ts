import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { insertRow } from './job-rows.js';

const t = await createTestDatabase();
const client = new Client({ pool: t.pool, logger: quietLogger });
const zero = { available: 0, scheduled: 0, running: 0, retryable: 0, completed: 0, cancelled: 0, discarded: 0, pending: 0 };

test('counts jobs per queue and state, with queues known only from river_queue, in name order', async () => {
  const layout: [string, string, number][] = [
    ['mail', 'available', 3], ['mail', 'running', 2], ['mail', 'completed', 4], ['mail', 'discarded', 1],
    ['reports', 'scheduled', 2], ['reports', 'retryable', 1], ['reports', 'cancelled', 1], ['reports', 'pending', 1],
  ];
  for (const [queue, state, n] of layout) for (let i = 0; i < n; i++) await insertRow(t, { queue, state, attempt: state === 'running' ? 1 : 0 });
  await t.query(`INSERT INTO river_queue (name, updated_at, paused_at) VALUES ('idle', now(), now()), ('mail', now(), NULL)`);

  expect(await client.queueStats()).toEqual([
    { queue: 'idle', paused: true, ...zero },
    { queue: 'mail', paused: false, ...zero, available: 3, running: 2, completed: 4, discarded: 1 },
    { queue: 'reports', paused: false, ...zero, scheduled: 2, retryable: 1, cancelled: 1, pending: 1 },
  ]);
  expect(await client.queueStats({ queues: ['reports', 'idle'] })).toEqual([
    { queue: 'idle', paused: true, ...zero },
    { queue: 'reports', paused: false, ...zero, scheduled: 2, retryable: 1, cancelled: 1, pending: 1 },
  ]);
  expect(await client.queueStats({ queues: ['nothing-here'] })).toEqual([]);
});
