import * as v from 'valibot';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, work, type JobFailedError, type JobProgress, type JobRow, type WaitOptions } from '../src/index.js';
import { testWorker } from '../src/testing/index.js';

const sendEmail = defineJob({ kind: 'send_email', args: v.object({ to: v.string(), retries: v.optional(v.number(), 3) }) });
const chargeCard = defineJob({ kind: 'charge_card', args: v.object({ orderId: v.number() }) });

declare const client: Client;
const db = drizzlePg.mock();

describe('waitFor', () => {
  test('an insert result gives its own row type', async () => {
    const inserted = await client.insert(db, sendEmail, { to: 'a@example.com' });
    expectTypeOf(await client.waitFor(inserted)).toEqualTypeOf<JobRow<{ to: string; retries: number }>>();
    expectTypeOf(await client.waitFor(inserted, { timeout: 1000 })).toEqualTypeOf<JobRow<{ to: string; retries: number }>>();
  });

  test('a job row gives its type; a bare id gives JobRow<unknown>', async () => {
    const [a, b] = await client.insertMany(db, [{ job: sendEmail, args: { to: 'a@example.com' } }, { job: chargeCard, args: { orderId: 1 } }]);
    expectTypeOf(await client.waitFor(a.job)).toEqualTypeOf<JobRow<{ to: string; retries: number }>>();
    expectTypeOf(await client.waitFor(b.job)).toEqualTypeOf<JobRow<{ orderId: number }>>();
    expectTypeOf(await client.waitFor(42)).toEqualTypeOf<JobRow<unknown>>();
  });

  test('a job defined with an output resolves with that output typed', async () => {
    const resize = defineJob({ kind: 'resize', args: v.object({ url: v.string() }), output: v.object({ width: v.number() }) });
    const inserted = await client.insert(db, resize, { url: 'https://example.com/a.png' });
    const done = await client.waitFor(inserted);
    expectTypeOf(done.output).toEqualTypeOf<{ width: number } | undefined>();
    // @ts-expect-error the output has no height
    void done.output?.height;
  });

  test('options and arguments are checked', () => {
    expectTypeOf<WaitOptions>().toEqualTypeOf<{ timeout?: number; signal?: AbortSignal }>();
    // @ts-expect-error a string is not a job id
    void client.waitFor('42');
    // @ts-expect-error unknown option
    void client.waitFor(42, { timout: 5 });
    expectTypeOf<JobFailedError['job']>().toEqualTypeOf<JobRow<unknown>>();
  });
});

describe('progress', () => {
  test('ctx.progress takes a number or a JSON object', () => {
    work(sendEmail, (_job, ctx) => {
      expectTypeOf(ctx.progress).parameter(0).toEqualTypeOf<JobProgress>();
      ctx.progress(50);
      ctx.progress({ sent: 3, of: 10, stage: 'smtp', nested: { ok: true } });
      // @ts-expect-error a string is neither
      ctx.progress('50%');
      // @ts-expect-error a Date is not JSON
      ctx.progress({ at: new Date() });
    });
  });

  test('testWorker records the reports', async () => {
    const tw = testWorker(work(sendEmail, () => {}));
    const result = await tw.work(db, { to: 'a@example.com' });
    expectTypeOf(result.progress).toEqualTypeOf<JobProgress[]>();
  });
});
