import { createHash } from 'node:crypto';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, ValidationError } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();

const syncAccount = defineJob({
  kind: 'sync_account',
  args: v.object({ accountId: v.number(), region: v.optional(v.string()), requestedBy: v.string() }),
  insertOpts: { uniqueOpts: { byArgs: ['accountId', 'region'] } },
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('byArgs with field names', () => {
  test('only the named fields are in the key: other fields do not make a new job', async () => {
    const first = await client.insert(t.db, syncAccount, { accountId: 1, region: 'eu', requestedBy: 'alice' });
    const second = await client.insert(t.db, syncAccount, { region: 'eu', accountId: 1, requestedBy: 'bob' });
    expect(first.uniqueSkippedAsDuplicate).toBe(false);
    expect(second).toMatchObject({ uniqueSkippedAsDuplicate: true, job: { id: first.job.id } });
    const otherRegion = await client.insert(t.db, syncAccount, { accountId: 1, region: 'us', requestedBy: 'alice' });
    expect(otherRegion.uniqueSkippedAsDuplicate).toBe(false);
  });

  test("the key is River's for a struct whose accountId and region fields are tagged river:\"unique\"", async () => {
    const { job } = await client.insert(t.db, syncAccount, { accountId: 2, region: 'eu', requestedBy: 'carol' });
    // River: the tagged fields' JSON names, sorted, values as encoding/json wrote them.
    expect(job.uniqueKey?.toString('hex')).toBe(sha256('&kind=sync_account&args={"accountId":2,"region":"eu"}'));
  });

  test('a named field absent from the args is left out, as River skips an omitted field', async () => {
    const { job } = await client.insert(t.db, syncAccount, { accountId: 3, requestedBy: 'dave' });
    expect(job.uniqueKey?.toString('hex')).toBe(sha256('&kind=sync_account&args={"accountId":3}'));
    const again = await client.insert(t.db, syncAccount, { accountId: 3, requestedBy: 'erin' });
    expect(again.uniqueSkippedAsDuplicate).toBe(true);
  });

  test('the insert may name the fields instead of the definition, in any order', async () => {
    const plain = defineJob({ kind: 'plain_sync', args: v.object({ a: v.number(), b: v.number(), c: v.number() }) });
    const first = await client.insert(t.db, plain, { a: 1, b: 2, c: 3 }, { uniqueOpts: { byArgs: ['b', 'a'] } });
    const second = await client.insert(t.db, plain, { a: 1, b: 2, c: 4 }, { uniqueOpts: { byArgs: ['a', 'b'] } });
    expect(second).toMatchObject({ uniqueSkippedAsDuplicate: true, job: { id: first.job.id } });
  });
});

describe('byArgs is validated', () => {
  const job = defineJob({ kind: 'validated_sync', args: v.object({ accountId: v.number(), region: v.string() }) });
  const args = { accountId: 1, region: 'eu' };

  test.each([
    ['an empty list', [], 'opts.uniqueOpts.byArgs', /empty list, which would put no args in the key/],
    ['a number in the list', ['accountId', 3], 'opts.uniqueOpts.byArgs[1]', /must be a top-level args field name, got 3/],
    ['an empty name', [''], 'opts.uniqueOpts.byArgs[0]', /got an empty string/],
    ['a nested path', ['address.city'], 'opts.uniqueOpts.byArgs[0]', /names a nested field: byArgs takes top-level field names only/],
    ['a name listed twice', ['region', 'region'], 'opts.uniqueOpts.byArgs[1]', /"region" is listed twice/],
    ['a name the schema lacks', ['acountId'], 'opts.uniqueOpts.byArgs[0]', /"acountId" is not a field of the job's args; did you mean "accountId"\? \(fields: accountId, region\)/],
    ['a string instead of a list', 'accountId', 'opts.uniqueOpts.byArgs', /must be true, false or a list of top-level args field names, got "accountId"/],
  ])('%s', async (_name, byArgs, path, message) => {
    const error = await client.insert(t.db, job, args, { uniqueOpts: { byArgs: byArgs as never } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues).toEqual([{ path, message: expect.stringMatching(message) }]);
    expect(await t.query(`SELECT count(*)::int AS n FROM river_job WHERE kind = 'validated_sync'`)).toEqual([{ n: 0 }]);
  });

  test('defineJob checks the names against its own schema', () => {
    expect(() =>
      defineJob({ kind: 'bad_sync', args: v.object({ accountId: v.number() }), insertOpts: { uniqueOpts: { byArgs: ['acountId' as never] } } }),
    ).toThrow(/insertOpts\.uniqueOpts\.byArgs\[0\]: "acountId" is not a field of the job's args; did you mean "accountId"\?/);
  });

  test('a union of object schemas offers the fields of every member', async () => {
    const either = defineJob({
      kind: 'either_sync',
      args: v.variant('type', [v.object({ type: v.literal('user'), userId: v.number() }), v.object({ type: v.literal('team'), teamId: v.number() })]),
      insertOpts: { uniqueOpts: { byArgs: ['type', 'userId', 'teamId'] } },
    });
    const { job } = await client.insert(t.db, either, { type: 'team', teamId: 9 });
    expect(job.uniqueKey?.toString('hex')).toBe(sha256('&kind=either_sync&args={"teamId":9,"type":"team"}'));
  });

  test('a schema that does not declare its fields is not second-guessed', async () => {
    const loose = defineJob({ kind: 'loose_sync', args: v.looseObject({ id: v.number() }) });
    const { job } = await client.insert(t.db, loose, { id: 1, extra: 'x' } as never, { uniqueOpts: { byArgs: ['extra'] as never } });
    expect(job.uniqueKey?.toString('hex')).toBe(sha256('&kind=loose_sync&args={"extra":"x"}'));
  });
});
