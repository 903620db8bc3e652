// A connection checked out of the client's pool (by a worker's db.transaction, as the README's
// completeTx pattern does) whose backend dies emits an 'error' that pg-pool does not listen to:
// unheard, Node ends the process. The client listens to every connection of its pool.
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as v from 'valibot';
import { afterAll, expect, test } from 'vitest';
import { Client, defineJob, work } from '../../src/index.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const ship = defineJob({ kind: 'ship', args: v.object({ order: v.string() }) });

// The application's own pool, shared with the client, with no 'error' listener of its own.
const appPool = new pg.Pool({ connectionString: t.url, max: 4 });
const db = drizzle(appPool);
afterAll(() => appPool.end());

test('a worker transaction whose backend is terminated fails its attempt; the process lives and the retry completes', async () => {
  await t.query(`CREATE TABLE shipments (order_ref text, attempt int)`);
  let backendPid: number | undefined;
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const client = new Client({
    pool: appPool,
    logger: quietLogger,
    fetchPollInterval: 100,
    queues: { default: { maxWorkers: 2 } },
    workers: [
      work(ship, async (job, ctx) => {
        await db.transaction(async (tx) => {
          await tx.execute(sql`INSERT INTO shipments VALUES (${job.args.order}, ${job.attempt})`);
          if (job.attempt === 1) {
            backendPid = Number(((await tx.execute(sql`SELECT pg_backend_pid() AS pid`)).rows[0] as { pid: number }).pid);
            await held; // the connection sits checked out and idle while its backend is killed
          }
          await ctx.client.completeTx(tx, job);
        });
      }, { nextRetry: () => 0 }),
    ],
  });
  await client.start();
  try {
    const { job } = await client.insert(db, ship, { order: 'A' });
    await waitFor(() => backendPid, { message: 'the first attempt to hold its transaction' });
    await t.query(`SELECT pg_terminate_backend($1)`, [backendPid]);
    await waitFor(() => client.faults.connectionErrors >= 1, { message: 'the connection error to be heard' });
    release();
    const [row] = await waitFor(async () => {
      const rows = await t.query(`SELECT state::text, attempt FROM river_job WHERE id = $1 AND state = 'completed'`, [job.id]);
      return rows.length ? rows : undefined;
    }, { message: 'the job completed by its second attempt' });
    expect(row).toEqual({ state: 'completed', attempt: 2 });
    // The first attempt's transaction died with its backend: one shipment, the second attempt's.
    expect(await t.query(`SELECT order_ref, attempt FROM shipments`)).toEqual([{ order_ref: 'A', attempt: 2 }]);
  } finally {
    release();
    await client.stop();
  }
});

test('connections opened before the client was made are guarded too', async () => {
  const pool = new pg.Pool({ connectionString: t.url, max: 2 });
  try {
    const early = await pool.connect(); // exists before the client, checked out
    const pid = Number((await early.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid);
    const client = new Client({ pool, logger: quietLogger });
    await t.query(`SELECT pg_terminate_backend($1)`, [pid]);
    await waitFor(() => client.faults.connectionErrors >= 1, { message: 'the error on the early connection to be heard' });
    early.release(true);
    expect((await pool.query(`SELECT 1 AS one`)).rows).toEqual([{ one: 1 }]);
  } finally {
    await pool.end();
  }
});

test('a dead connection its holder never releases is taken back, so the pool keeps its size and can end', async () => {
  // drizzle-orm's transaction() releases its connection only once BEGIN succeeded: one begun on a
  // connection that has just died is never released.
  const pool = new pg.Pool({ connectionString: t.url, max: 1 });
  const client = new Client({ pool, logger: quietLogger });
  const held = await pool.connect();
  const pid = Number((await held.query(`SELECT pg_backend_pid() AS pid`)).rows[0].pid);
  await t.query(`SELECT pg_terminate_backend($1)`, [pid]);
  await waitFor(() => client.faults.connectionErrors >= 1, { message: 'the error to be heard' });
  await expect(held.query('SELECT 1')).rejects.toThrow();
  // The one connection the pool may have is free again, though `held` was never released.
  expect((await pool.query(`SELECT 2 AS two`)).rows).toEqual([{ two: 2 }]);
  held.release(); // a late release by the holder is harmless
  await pool.end();
});
