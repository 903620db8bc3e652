import * as v from 'valibot';
import { expect, test } from 'vitest';
import { Client, defineJob, ValidationError, type InsertOpts } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';
import { accountStep } from './sequence-jobs.js';

const t = await createTestDatabase();
const client = new Client();
const plain = defineJob({ kind: 'plain_step', args: v.object({ accountId: v.number(), note: v.optional(v.string()) }) });
const jobCount = async () => Number((await t.query(`SELECT count(*) AS n FROM river_job`))[0]?.n);

async function rejects(fn: () => Promise<unknown>): Promise<ValidationError> {
  const before = await jobCount();
  const error = await fn().then(() => undefined, (e: unknown) => e);
  expect(error, 'expected a ValidationError').toBeInstanceOf(ValidationError);
  expect(await jobCount()).toBe(before);
  return error as ValidationError;
}

test.each<[string, InsertOpts, string, RegExp]>([
  ['an unknown option', { sequence: { byArg: ['accountId'] } as never }, 'opts.sequence.byArg', /not a sequence option.*byArgs/],
  ['byArgs naming nothing', { sequence: { byArgs: [] } }, 'opts.sequence.byArgs', /empty list, which names no args/],
  ['byArgs false', { sequence: { byArgs: false as never } }, 'opts.sequence.byArgs', /must be true or a list/],
  ['byArgs naming a field the args do not have', { sequence: { byArgs: ['acountId' as never] } }, 'opts.sequence.byArgs[0]', /"acountId" is not a field.*did you mean "accountId"/],
  ['a nested field', { sequence: { byArgs: ['a.b' as never] } }, 'opts.sequence.byArgs[0]', /nested field/],
  ['a flag that is not a boolean', { sequence: { continueOnCancelled: 'yes' as never } }, 'opts.sequence.continueOnCancelled', /must be a boolean/],
  ['not an object', { sequence: true as never }, 'opts.sequence', /must be an object/],
  ['pending: true', { sequence: {}, pending: true }, 'sequence', /cannot be combined with pending: true/],
  ['unique without retryable in byState', { sequence: {}, uniqueOpts: { byArgs: true, byState: ['available', 'pending', 'running', 'scheduled'] } }, 'uniqueOpts.byState', /must include retryable on a sequenced job/],
  ['replace on conflict', { sequence: {}, uniqueOpts: { byArgs: ['accountId'], onConflict: 'replace' } }, 'uniqueOpts.onConflict', /'replace' cannot be combined with a sequence/],
  ['its metadata key set by hand', { metadata: { 'tributary:sequence': { key: 'x' } } }, 'opts.metadata', /reserved for the sequence option/],
])('%s is refused, naming the field', async (_name, opts, field, message) => {
  const error = await rejects(() => client.insert(t.db, plain, { accountId: 1 }, opts));
  expect(error.field).toBe(field);
  expect(error.message).toMatch(message);
});

test('a contradiction across layers is found too: the job says sequence, the insert says pending', async () => {
  const error = await rejects(() => client.insert(t.db, accountStep, { accountId: 1, n: 0 }, { pending: true }));
  expect(error.message).toMatch(/sequence: cannot be combined with pending: true/);
  const layered = new Client({ insertOpts: { pending: true } });
  await rejects(() => layered.insert(t.db, accountStep, { accountId: 1, n: 0 }));
});

test('a job definition with a bad sequence fails at defineJob', () => {
  expect(() => defineJob({ kind: 'bad', args: v.object({ a: v.number() }), insertOpts: { sequence: { byArgs: ['b' as never] } } })).toThrow(/insertOpts\.sequence\.byArgs\[0\]: "b" is not a field/);
  expect(() => new Client({ insertOpts: { sequence: { byArgs: [] } } })).toThrow(/insertOpts\.sequence\.byArgs: is an empty list/);
});

test('a key too long to index is refused, naming byArgs', async () => {
  const error = await rejects(() => client.insert(t.db, plain, { accountId: 1, note: 'x'.repeat(2000) }, { sequence: { byArgs: true } }));
  expect(error.field).toBe('sequence.byArgs');
  expect(error.message).toMatch(/sequence key of \d+ bytes, over the 1024/);
});

test('a scheduled time does not contradict a sequence: the job waits its turn, then its time', async () => {
  const { job } = await client.insert(t.db, plain, { accountId: 2 }, { sequence: {}, scheduledAt: new Date(Date.now() + 60_000) });
  expect(job.state).toBe('pending');
  // The key leaves out what the options leave out: no args, no queue.
  expect(job.metadata['tributary:sequence']).toMatchObject({ key: 'kind=plain_step' });
  const { job: queued } = await client.insert(t.db, plain, { accountId: 2 }, { queue: 'q2', sequence: { byArgs: true, byQueue: true } });
  expect(queued.metadata['tributary:sequence']).toMatchObject({ key: 'kind=plain_step&args={"accountId":2}&queue=q2' });
});
