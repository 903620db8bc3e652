import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, work, type JobOutput, type JobRow, type TaskRef, type WorkContext } from '../../src/index.js';
import { testWorker } from '../../src/testing/index.js';

const charge = defineJob({ kind: 'charge', args: v.object({ order: v.number() }), output: v.object({ chargeId: v.string(), cents: v.optional(v.number(), 0) }) });
const plain = defineJob({ kind: 'plain', args: v.object({ n: v.number() }) });

declare const client: Client;
declare const ctx: WorkContext;
const db = drizzle.mock();

describe('typed outputs', () => {
  test('job.output is the output schema\'s output type on the rows Tributary returns; unknown without one', async () => {
    expectTypeOf<JobOutput<typeof charge>>().toEqualTypeOf<{ chargeId: string; cents: number }>();
    expectTypeOf<JobOutput<typeof plain>>().toEqualTypeOf<unknown>();
    const { job } = await client.insert(db, charge, { order: 1 });
    expectTypeOf(job.output).toEqualTypeOf<{ chargeId: string; cents: number } | undefined>();
    expectTypeOf((await client.insert(db, plain, { n: 1 })).job.output).toEqualTypeOf<unknown>();
    const [a, b] = await client.insertMany(db, [{ job: charge, args: { order: 1 } }, { job: plain, args: { n: 1 } }]);
    expectTypeOf(a.job.output).toEqualTypeOf<{ chargeId: string; cents: number } | undefined>();
    expectTypeOf(b.job).toEqualTypeOf<JobRow<{ n: number }, unknown>>();
    const completed = await client.completeTx(db, job);
    expectTypeOf(completed.output).toEqualTypeOf<{ chargeId: string; cents: number } | undefined>();
    const tested = await testWorker(work(charge, () => ({ chargeId: 'x' }))).work(db, { order: 1 });
    expectTypeOf(tested.job.output).toEqualTypeOf<{ chargeId: string; cents: number } | undefined>();
  });

  test('a worker returns the output schema\'s input; a wrong output does not compile', () => {
    work(charge, () => ({ chargeId: 'ch_1' }));
    work(charge, async () => ({ chargeId: 'ch_1', cents: 5 }));
    // @ts-expect-error: chargeId is a string
    work(charge, () => ({ chargeId: 1 }));
    // @ts-expect-error: chargeId is missing
    work(charge, async () => ({ cents: 5 }));
    // Without an output schema anything goes, as before.
    work(plain, () => 42);
  });
});

describe('workflows', () => {
  test('refs carry their job, and ctx.workflow.output is typed by it', async () => {
    const wf = client.workflow({ name: 'order 1' });
    const a = wf.add('charge', charge, { order: 1 });
    expectTypeOf(a).toEqualTypeOf<TaskRef<typeof charge>>();
    wf.add('next', plain, { n: 1 }, { deps: [a, 'charge'], ignoreDependencyFailure: true });
    // @ts-expect-error: args of another job
    wf.add('bad', plain, { order: 1 });
    // @ts-expect-error: a task cannot be unique
    wf.add('bad', plain, { n: 1 }, { uniqueOpts: {} });
    const result = await wf.insert(db);
    expectTypeOf(result.job(a).output).toEqualTypeOf<{ chargeId: string; cents: number } | undefined>();
    expectTypeOf(await ctx.workflow.output(a)).toEqualTypeOf<{ chargeId: string; cents: number }>();
    expectTypeOf(await ctx.workflow.output('charge', charge)).toEqualTypeOf<{ chargeId: string; cents: number }>();
    expectTypeOf(await ctx.workflow.output('charge')).toEqualTypeOf<unknown>();
    expectTypeOf(ctx.workflow.add('more', plain, { n: 2 }, { deps: ['charge'] })).toEqualTypeOf<TaskRef<typeof plain>>();
  });
});
