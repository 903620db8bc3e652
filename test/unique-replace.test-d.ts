import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { describe, expectTypeOf, test } from 'vitest';
import { Client, defineJob, type InsertResult, type UniqueConflict, type UniqueOpts } from '../src/index.js';

const digest = defineJob({
  kind: 'digest',
  args: v.object({ userId: v.number(), change: v.string() }),
  insertOpts: { uniqueOpts: { byArgs: ['userId'], onConflict: 'replace' } },
});

declare const client: Client;
const db = drizzle.mock();

describe('uniqueOpts.onConflict', () => {
  test("is 'skip' or 'replace', optional", () => {
    expectTypeOf<UniqueConflict>().toEqualTypeOf<'skip' | 'replace'>();
    expectTypeOf<UniqueOpts['onConflict']>().toEqualTypeOf<'skip' | 'replace' | undefined>();
    void client.insert(db, digest, { userId: 1, change: 'a' }, { uniqueOpts: { byArgs: ['userId'], onConflict: 'skip' } });
    new Client({ insertOpts: { uniqueOpts: { byQueue: true, onConflict: 'replace' } } });
  });

  test('anything else does not compile', () => {
    // @ts-expect-error: not a conflict action
    void client.insert(db, digest, { userId: 1, change: 'a' }, { uniqueOpts: { byArgs: true, onConflict: 'update' } });
    // @ts-expect-error: a string, not a boolean
    defineJob({ kind: 'k', args: v.object({}), insertOpts: { uniqueOpts: { byQueue: true, onConflict: true } } });
  });
});

describe('InsertResult.uniqueReplaced', () => {
  test('is a boolean beside uniqueSkippedAsDuplicate, on insert and insertMany', async () => {
    const result = await client.insert(db, digest, { userId: 1, change: 'a' });
    expectTypeOf(result.uniqueReplaced).toEqualTypeOf<boolean>();
    expectTypeOf(result.uniqueSkippedAsDuplicate).toEqualTypeOf<boolean>();
    expectTypeOf(result.job.args).toEqualTypeOf<{ userId: number; change: string }>();
    const [many] = await client.insertMany(db, [{ job: digest, args: { userId: 1, change: 'b' } }]);
    expectTypeOf(many.uniqueReplaced).toEqualTypeOf<boolean>();
    expectTypeOf<keyof InsertResult>().toEqualTypeOf<'job' | 'uniqueSkippedAsDuplicate' | 'uniqueReplaced'>();
  });
});
