import pg from 'pg';
import { expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { sendEmail } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();
const exists = async (id: number) => (await t.query(`SELECT 1 FROM river_job WHERE id = $1`, [id])).length === 1;

test('a job inserted in a transaction that rolls back does not exist', async () => {
  let id = 0;
  const failure = new Error('order failed');
  await expect(
    t.db.transaction(async (tx) => {
      id = (await client.insert(tx, sendEmail, { to: 'r@example.com', subject: 'never' })).job.id;
      throw failure;
    }),
  ).rejects.toBe(failure);
  expect(id).toBeGreaterThan(0);
  expect(await exists(id)).toBe(false);
});

test('a job inserted in a committed transaction exists, and nobody sees it before the commit', async () => {
  const other = new pg.Client({ connectionString: t.url });
  await other.connect();
  try {
    let id = 0;
    await t.db.transaction(async (tx) => {
      id = (await client.insert(tx, sendEmail, { to: 'c@example.com', subject: 'yes' })).job.id;
      const seen = await other.query(`SELECT 1 FROM river_job WHERE id = $1`, [id]);
      expect(seen.rowCount).toBe(0);
    });
    expect((await other.query(`SELECT 1 FROM river_job WHERE id = $1`, [id])).rowCount).toBe(1);
  } finally {
    await other.end();
  }
});

test('a failing statement later in the transaction takes the job with it', async () => {
  let id = 0;
  await expect(
    t.db.transaction(async (tx) => {
      id = (await client.insert(tx, sendEmail, { to: 'x@example.com', subject: 'x' })).job.id;
      await tx.execute('SELECT 1/0');
    }),
  ).rejects.toThrow();
  expect(await exists(id)).toBe(false);
});
