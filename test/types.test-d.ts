import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, type InsertResult, type JobArgs, type JobArgsInput, type JobRow, type WorkerClient } from '../src/index.js';

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

describe('uniqueOpts.byArgs', () => {
  test("field names are checked against the job's args, at insert and in defineJob", () => {
    void client.insert(db, sendEmail, { to: 'x' }, { uniqueOpts: { byArgs: ['to', 'retries'] } });
    void client.insert(db, sendEmail, { to: 'x' }, { uniqueOpts: { byArgs: true } });
    // @ts-expect-error: not a field of send_email args
    void client.insert(db, sendEmail, { to: 'x' }, { uniqueOpts: { byArgs: ['orderId'] } });
    defineJob({ kind: 'k', args: v.object({ accountId: v.number() }), insertOpts: { uniqueOpts: { byArgs: ['accountId'] } } });
    // @ts-expect-error: a typo of accountId
    defineJob({ kind: 'k', args: v.object({ accountId: v.number() }), insertOpts: { uniqueOpts: { byArgs: ['acountId'] } } });
  });

  test('the definition still infers its args from the schema, not from byArgs', () => {
    const job = defineJob({ kind: 'k', args: v.object({ a: v.string(), b: v.number() }), insertOpts: { uniqueOpts: { byArgs: ['a'] } } });
    expectTypeOf<JobArgs<typeof job>>().toEqualTypeOf<{ a: string; b: number }>();
  });

  test("a union's fields are any member's; insertMany and periodic jobs check them per item", async () => {
    const either = defineJob({ kind: 'e', args: v.union([v.object({ userId: v.number() }), v.object({ teamId: v.number() })]) });
    void client.insert(db, either, { userId: 1 }, { uniqueOpts: { byArgs: ['userId', 'teamId'] } });
    void client.insertMany(db, [
      { job: chargeCard, args: { orderId: 1 }, opts: { uniqueOpts: { byArgs: ['orderId'] } } },
      // @ts-expect-error: orderId is charge_card's, not send_email's
      { job: sendEmail, args: { to: 'x' }, opts: { uniqueOpts: { byArgs: ['orderId'] } } },
    ]);
    const { periodicJob } = await import('../src/index.js');
    periodicJob({ every: 60_000 }, () => ({ job: chargeCard, args: { orderId: 1 }, opts: { uniqueOpts: { byArgs: ['orderId'] } } }));
  });

  test('client-wide insertOpts know no job, so any name is accepted there', () => {
    new Client({ insertOpts: { uniqueOpts: { byArgs: ['tenantId'] } } });
  });
});

describe('tributary-queue/schema', () => {
  test("tags stays optional for Drizzle inserts, though its SQL default comes from River's interop migration", async () => {
    const { riverJob } = await import('../src/schema/index.js');
    expectTypeOf<import('drizzle-orm').InferInsertModel<typeof riverJob>['tags']>().toEqualTypeOf<string[] | undefined>();
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

describe('periodicJob', () => {
  test('construct returns args of its job type, or null', async () => {
    const { periodicJob } = await import('../src/index.js');
    const job = periodicJob({ cron: '0 * * * *' }, ({ at }) => ({ job: sendEmail, args: { to: at.toISOString() } }), { runOnStart: true });
    expectTypeOf(job.id).toEqualTypeOf<string | undefined>();
    periodicJob({ every: 60_000 }, async () => (Math.random() > 0.5 ? null : { job: chargeCard, args: { orderId: 1 }, opts: { priority: 2 } }));
    new Client({ periodicJobs: [job, periodicJob({ cron: '@daily', timezone: 'Europe/Paris' }, () => null)] });
  });

  test('wrong args, a wrong schedule or a wrong return do not compile', async () => {
    const { periodicJob } = await import('../src/index.js');
    // @ts-expect-error: `to` is a string
    periodicJob({ every: 1000 }, () => ({ job: sendEmail, args: { to: 1 } }));
    // @ts-expect-error: charge_card args for a send_email job
    periodicJob({ every: 1000 }, () => ({ job: sendEmail, args: { orderId: 1 } }));
    // @ts-expect-error: a time zone needs a cron schedule
    periodicJob({ every: 1000, timezone: 'UTC' }, () => null);
    // @ts-expect-error: cron or every, not both
    periodicJob({ every: 1000, cron: '* * * * *' }, () => null);
    // @ts-expect-error: construct returns { job, args }, not bare args
    periodicJob({ every: 1000 }, () => ({ to: 'a@example.com' }));
  });
});

describe('middleware', () => {
  test('insert and work hooks see typed contexts', () => {
    const middleware: import('../src/index.js').Middleware = {
      async insert(ctx, next) {
        expectTypeOf(ctx.items[0]!.job.kind).toEqualTypeOf<string>();
        expectTypeOf(ctx.client).toEqualTypeOf<WorkerClient>();
        expectTypeOf<Client>().toMatchTypeOf<WorkerClient>();
        const results = await next();
        expectTypeOf(results).toEqualTypeOf<InsertResult<unknown>[]>();
        return results;
      },
      work(ctx, next) {
        expectTypeOf(ctx.job).toEqualTypeOf<JobRow>();
        expectTypeOf(ctx.signal).toEqualTypeOf<AbortSignal>();
        expectTypeOf(next).toEqualTypeOf<() => Promise<unknown>>();
        return next();
      },
    };
    new Client({ middleware: [middleware, { work: (_ctx, next) => next() }] });
    // @ts-expect-error: a hook is a function
    new Client({ middleware: [{ work: 'log' }] });
    // @ts-expect-error: an insert hook resolves with the results of next()
    new Client({ middleware: [{ insert: async () => 1 }] });
  });

  test('otelMiddleware is a middleware', async () => {
    const { otelMiddleware } = await import('../src/otel/index.js');
    new Client({ middleware: [otelMiddleware(), otelMiddleware({ tracer: (await import('@opentelemetry/api')).trace.getTracer('x') })] });
  });
});

describe('tributary-queue/testing', () => {
  test('requireInserted filters by typed args and returns a typed row', async () => {
    const { requireInserted, requireNotInserted } = await import('../src/testing/index.js');
    const job = await requireInserted(db, sendEmail, { args: { to: 'a@example.com' }, queue: 'mail', priority: 2, state: 'available' });
    expectTypeOf(job).toEqualTypeOf<JobRow<{ to: string; retries: number }>>();
    await requireNotInserted(db, chargeCard, { args: { orderId: 1 } }, { schema: 'queue' });
    // @ts-expect-error: `to` is a string
    await requireInserted(db, sendEmail, { args: { to: 1 } });
    // @ts-expect-error: charge_card args for send_email
    await requireInserted(db, sendEmail, { args: { orderId: 1 } });
    // @ts-expect-error: not a state
    await requireNotInserted(db, sendEmail, { state: 'done' });
    // @ts-expect-error: priority is 1 to 4
    await requireInserted(db, sendEmail, { priority: 5 });
  });

  test('requireManyInserted types each expected item and each returned row', async () => {
    const { requireManyInserted } = await import('../src/testing/index.js');
    const [email, charge] = await requireManyInserted(db, [
      { job: sendEmail, args: { to: 'a@example.com' } },
      { job: chargeCard, args: { orderId: 1 }, queue: 'payments' },
    ]);
    expectTypeOf(email.args).toEqualTypeOf<{ to: string; retries: number }>();
    expectTypeOf(charge.args).toEqualTypeOf<{ orderId: number }>();
    await requireManyInserted(db, [
      { job: sendEmail },
      // @ts-expect-error: send_email args on a charge_card item
      { job: chargeCard, args: { to: 'a@example.com' } },
    ]);
  });

  test('testWorker takes the job input args and returns the parsed row', async () => {
    const { testWorker } = await import('../src/testing/index.js');
    const { work } = await import('../src/index.js');
    const tw = testWorker(work(sendEmail, () => 1), { client });
    const { result, job, output, error } = await tw.work(db, { to: 'a@example.com' }, { priority: 2 });
    expectTypeOf(result).toEqualTypeOf<'completed' | 'retryable' | 'discarded' | 'cancelled' | 'snoozed'>();
    expectTypeOf(job.args).toEqualTypeOf<{ to: string; retries: number }>();
    expectTypeOf(output).toEqualTypeOf<unknown>();
    expectTypeOf(error).toEqualTypeOf<Error | undefined>();
    await tw.workJob(db, job);
    // @ts-expect-error: `to` is a string
    await tw.work(db, { to: 1 });
    // @ts-expect-error: args of another job
    await tw.work(db, { orderId: 1 });
  });
});
