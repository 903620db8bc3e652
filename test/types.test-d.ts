import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, type InsertResult, type JobArgs, type JobArgsInput, type JobRow } from '../src/index.js';

const sendEmail = defineJob({
  kind: 'send_email',
  args: v.object({ to: v.string(), retries: v.optional(v.number(), 3) }),
});
const chargeCard = defineJob({ kind: 'charge_card', args: v.object({ orderId: v.number() }) });

declare const client: Client;
const db = drizzlePg.mock();

describe('defineJob', () => {
  test('keeps the kind literal and infers args from the schema', () => {
    expectTypeOf(sendEmail.kind).toEqualTypeOf<'send_email'>();
    // Insert takes the schema's input (retries optional); a worker sees its output (retries set).
    expectTypeOf<JobArgsInput<typeof sendEmail>>().toEqualTypeOf<{ to: string; retries?: number | undefined }>();
    expectTypeOf<JobArgs<typeof sendEmail>>().toEqualTypeOf<{ to: string; retries: number }>();
  });
});

describe('insert', () => {
  test('accepts the right args and returns rows typed by the job', async () => {
    const result = await client.insert(db, sendEmail, { to: 'a@example.com' });
    expectTypeOf(result).toEqualTypeOf<InsertResult<{ to: string; retries: number }>>();
    expectTypeOf(result.job).toEqualTypeOf<JobRow<{ to: string; retries: number }>>();
    expectTypeOf(result.job.args.retries).toEqualTypeOf<number>();
  });

  test('wrong args do not compile', () => {
    // @ts-expect-error: no such field
    void client.insert(db, sendEmail, { wrong: 1 });
    // @ts-expect-error: `to` is a string
    void client.insert(db, sendEmail, { to: 1 });
    // @ts-expect-error: args of another job
    void client.insert(db, sendEmail, { orderId: 1 });
  });

  test('options are typed: priority is 1 to 4', () => {
    void client.insert(db, sendEmail, { to: 'x' }, { priority: 4, queue: 'mail', scheduledAt: new Date() });
    // @ts-expect-error: priority 5 is out of range
    void client.insert(db, sendEmail, { to: 'x' }, { priority: 5 });
    // @ts-expect-error: scheduledAt is a Date
    void client.insert(db, sendEmail, { to: 'x' }, { scheduledAt: '2030-01-01' });
    // @ts-expect-error: not a state
    void client.insert(db, sendEmail, { to: 'x' }, { uniqueOpts: { byState: ['done'] } });
  });

  test('any Drizzle Postgres handle, db or tx', async () => {
    await client.insert(drizzlePostgresJs.mock(), chargeCard, { orderId: 1 });
    await client.insert(drizzlePglite.mock(), chargeCard, { orderId: 1 });
    await db.transaction(async (tx) => {
      await client.insert(tx, chargeCard, { orderId: 1 });
    });
    // @ts-expect-error: not a Drizzle handle
    await client.insert({}, chargeCard, { orderId: 1 });
  });
});

describe('insertMany', () => {
  test('checks each item against its own job and types each result', async () => {
    const results = await client.insertMany(db, [
      { job: sendEmail, args: { to: 'a@example.com' } },
      { job: chargeCard, args: { orderId: 2 }, opts: { priority: 2 } },
    ]);
    expectTypeOf(results[0].job.args).toEqualTypeOf<{ to: string; retries: number }>();
    expectTypeOf(results[1].job.args).toEqualTypeOf<{ orderId: number }>();
  });

  test('a wrong item does not compile', () => {
    void client.insertMany(db, [
      { job: sendEmail, args: { to: 'a@example.com' } },
      // @ts-expect-error: charge_card args on a send_email item
      { job: sendEmail, args: { orderId: 2 } },
    ]);
  });

  test('arrays built by map keep their element type', async () => {
    const results = await client.insertMany(
      db,
      [1, 2].map((orderId) => ({ job: chargeCard, args: { orderId } })),
    );
    expectTypeOf(results[0]!.job.args).toEqualTypeOf<{ orderId: number }>();
  });
});

describe('work', () => {
  test('the worker sees the parsed args type', async () => {
    const { work } = await import('../src/index.js');
    work(sendEmail, async (job, ctx) => {
      expectTypeOf(job.args).toEqualTypeOf<{ to: string; retries: number }>();
      expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
      // @ts-expect-error: not a field of send_email args
      void job.args.orderId;
    });
    work(chargeCard, (job) => {
      expectTypeOf(job.args.orderId).toEqualTypeOf<number>();
    }, { timeout: 1000, nextRetry: (job) => job.args.orderId * 1000 });
  });
});
