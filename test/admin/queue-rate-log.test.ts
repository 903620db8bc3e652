import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

test('queueGet and queueList leave out a rate limit\'s log of starts (thousands of numbers), and keep the rest of the metadata', async () => {
  const starts = Array.from({ length: 5000 }, (_, i) => 1_764_000_000_000 + i);
  await t.query(`INSERT INTO river_queue (name, metadata) VALUES ('mail', $1::jsonb)`, [
    JSON.stringify({ 'tributary:rate': { '[]': starts }, 'tributary:limits': { rateLimit: { limit: 5000, period: 60000 } }, team: 'growth' }),
  ]);
  const client = new Client({ pool: t.pool });
  const one = await client.queueGet('mail');
  expect(one?.metadata).toEqual({ 'tributary:limits': { rateLimit: { limit: 5000, period: 60000 } }, team: 'growth' });
  const [listed] = await client.queueList();
  expect(listed).toMatchObject({ name: 'mail', metadata: one?.metadata });
  // The log itself is untouched in the table.
  expect((await t.query(`SELECT jsonb_array_length(metadata -> 'tributary:rate' -> '[]') AS n FROM river_queue`))[0]!.n).toBe(5000);
});
