import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, periodicJob, type JobArgs, type Sequence, type SequenceOpts } from '../../src/index.js';

declare const client: Client;
const db = drizzle.mock();
const step = defineJob({ kind: 'step', args: v.object({ accountId: v.number(), region: v.string() }) });

describe('sequence.byArgs', () => {
  test("names the job's args fields, at insert, in defineJob, in insertMany and periodic jobs", () => {
    void client.insert(db, step, { accountId: 1, region: 'eu' }, { sequence: { byArgs: ['accountId'] } });
    void client.insert(db, step, { accountId: 1, region: 'eu' }, { sequence: { byArgs: true, byQueue: true, continueOnCancelled: true, continueOnDiscarded: false } });
    // @ts-expect-error: not a field of step's args
    void client.insert(db, step, { accountId: 1, region: 'eu' }, { sequence: { byArgs: ['customerId'] } });
    defineJob({ kind: 'k', args: v.object({ accountId: v.number() }), insertOpts: { sequence: { byArgs: ['accountId'] } } });
    // @ts-expect-error: a typo of accountId
    defineJob({ kind: 'k', args: v.object({ accountId: v.number() }), insertOpts: { sequence: { byArgs: ['acountId'] } } });
    void client.insertMany(db, [
      { job: step, args: { accountId: 1, region: 'eu' }, opts: { sequence: { byArgs: ['region'] } } },
      // @ts-expect-error: region is step's, orderId is nobody's
      { job: step, args: { accountId: 1, region: 'eu' }, opts: { sequence: { byArgs: ['orderId'] } } },
    ]);
    periodicJob({ every: 60_000 }, () => ({ job: step, args: { accountId: 1, region: 'eu' }, opts: { sequence: { byArgs: ['accountId'] } } }));
  });

  test('byArgs is true or a list, never false; options are checked for typos', () => {
    // @ts-expect-error: false is not a sequence's byArgs (leave it out)
    void client.insert(db, step, { accountId: 1, region: 'eu' }, { sequence: { byArgs: false } });
    // @ts-expect-error: continueOnCancelled
    void client.insert(db, step, { accountId: 1, region: 'eu' }, { sequence: { continueOnCanceled: true } });
  });

  test('the definition infers its args from the schema, not from byArgs', () => {
    const job = defineJob({ kind: 'k', args: v.object({ a: v.string(), b: v.number() }), insertOpts: { sequence: { byArgs: ['a'] } } });
    expectTypeOf<JobArgs<typeof job>>().toEqualTypeOf<{ a: string; b: number }>();
  });

  test('client-wide insertOpts know no job, so any name is accepted there', () => {
    new Client({ insertOpts: { sequence: { byArgs: ['tenantId'] } } });
    expectTypeOf<SequenceOpts['byArgs']>().toEqualTypeOf<true | readonly string[] | undefined>();
  });
});

describe('sequence admin', () => {
  test('list, get and resume are typed', async () => {
    expectTypeOf(await client.sequenceList({ halted: true, limit: 10 })).toEqualTypeOf<Sequence[]>();
    expectTypeOf(await client.sequenceGet('kind=step')).toEqualTypeOf<Sequence | undefined>();
    expectTypeOf((await client.sequenceResume('kind=step')).skipped).toEqualTypeOf<number[]>();
    expectTypeOf<Sequence['status']>().toEqualTypeOf<'running' | 'halted' | 'waiting'>();
    // @ts-expect-error: halted
    void client.sequenceList({ halt: true });
  });
});
