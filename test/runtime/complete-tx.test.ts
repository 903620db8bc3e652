import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { beforeAll, describe, expect, test } from 'vitest';
import { Client, defineJob, TributaryError, work } from '../../src/index.js';
import { recordEvents, startClient, waitForState } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const inserter = new Client();
const ship = defineJob({ kind: 'ship', args: v.object({ order: v.string(), after: v.picklist(['ok', 'throw', 'rollback']) }) });
const shipped = async (order: string) => (await t.query(`SELECT 1 FROM shipments WHERE order_ref = $1`, [order])).length === 1;

beforeAll(async () => {
  await t.query(`CREATE TABLE shipments (order_ref text PRIMARY KEY)`);
});

describe('completeTx', () => {
  test('committed: the side effect and the completion land together; a later throw changes nothing', async () => {
    const client = await startClient(t, {
      queues: { default: { maxWorkers: 2 } },
      workers: [
        work(ship, async (job, ctx) => {
          await t.db.transaction(async (tx) => {
            await tx.execute(sql`INSERT INTO shipments (order_ref) VALUES (${job.args.order})`);
            const done = await ctx.client.completeTx(tx, job);
            expect(done.state).toBe('completed');
          });
          if (job.args.after === 'throw') throw new Error('after the commit');
        }, { nextRetry: () => 0 }),
      ],
    });
    const recorded = recordEvents(client, 'job_completed');
    const a = await inserter.insert(t.db, ship, { order: 'A', after: 'ok' });
    const b = await inserter.insert(t.db, ship, { order: 'B', after: 'throw' });
    const completedB = recorded.forJob(b.job.id);
    expect((await waitForState(t, a.job.id, 'completed')).errors).toBeNull();
    const rowB = await waitForState(t, b.job.id, 'completed');
    expect(rowB.errors).toBeNull();
    expect(rowB.attempt).toBe(1);
    expect((await completedB).job.state).toBe('completed');
    expect([await shipped('A'), await shipped('B')]).toEqual([true, true]);
  });

  test('rolled back: neither the side effect nor the completion; the worker outcome decides', async () => {
    await startClient(t, {
      queues: { default: { maxWorkers: 2 } },
      workers: [
        work(ship, async (job, ctx) => {
          await t.db
            .transaction(async (tx) => {
              await tx.execute(sql`INSERT INTO shipments (order_ref) VALUES (${job.args.order})`);
              await ctx.client.completeTx(tx, job);
              throw new Error('carrier refused');
            })
            .catch((error: Error) => {
              throw new Error(`shipping failed: ${error.message}`);
            });
        }, { nextRetry: () => 3_600_000 }),
      ],
    });
    const { job } = await inserter.insert(t.db, ship, { order: 'C', after: 'rollback' });
    const row = await waitForState(t, job.id, 'retryable');
    expect(row.errors[0].error).toBe('shipping failed: carrier refused');
    expect(await shipped('C')).toBe(false);
  });

  test('a job that is not running cannot be completed', async () => {
    const { job } = await inserter.insert(t.db, ship, { order: 'D', after: 'ok' });
    await expect(inserter.completeTx(t.db, job)).rejects.toThrow(TributaryError);
    await expect(inserter.completeTx(t.db, job)).rejects.toThrow(/is not running attempt 0/);
  });
});
