import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, ValidationError, type InsertOpts } from '../../src/index.js';
import { chargeCard, noop, sendEmail } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();
const jobCount = async () => Number((await t.query(`SELECT count(*) AS n FROM river_job`))[0]?.n);

/** Runs `fn`, expects a ValidationError, and checks that nothing was written. */
async function rejects(fn: () => Promise<unknown>): Promise<ValidationError> {
  const before = await jobCount();
  const error = await fn().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected a ValidationError').toBeInstanceOf(ValidationError);
  expect(await jobCount()).toBe(before);
  return error as ValidationError;
}

describe('bad args', () => {
  test('name the path of the bad field', async () => {
    const error = await rejects(() => client.insert(t.db, sendEmail, { to: 'not-an-email', subject: 'x' }));
    expect(error.field).toBe('args.to');
    expect(error.message).toMatch(/^insert "send_email": args\.to: Invalid email/);
  });

  test('nested paths and every issue at once', async () => {
    const error = await rejects(() =>
      client.insert(t.db, sendEmail, { to: 'a@example.com', subject: 3, attachments: [{ name: 'a', bytes: 1 }, { name: 'b', bytes: 'x' }] } as never),
    );
    expect(error.issues.map((i) => i.path)).toEqual(['args.subject', 'args.attachments[1].bytes']);
  });

  test('missing args', async () => {
    const error = await rejects(() => client.insert(t.db, sendEmail, undefined as never));
    expect(error.field).toBe('args');
  });

  test('args that are not JSON', async () => {
    const loose = defineJob({ kind: 'loose', args: v.object({ when: v.any(), big: v.any(), n: v.any() }) });
    const error = await rejects(() => client.insert(t.db, loose, { when: new Date(), big: 10n, n: Number.NaN }));
    expect(error.issues).toEqual([
      { path: 'args.when', message: expect.stringMatching(/a Date is not a JSON value.*toISOString/) },
      { path: 'args.big', message: 'a bigint is not a JSON value' },
      { path: 'args.n', message: 'NaN is not representable in JSON' },
    ]);
  });

  test('args whose schema output is not an object', async () => {
    const scalar = defineJob({ kind: 'scalar', args: v.string() });
    const error = await rejects(() => client.insert(t.db, scalar, 'hello'));
    expect(error.message).toMatch(/args: must be a JSON object/);
  });
});

describe('bad options', () => {
  test.each<[string, InsertOpts, string, RegExp]>([
    ['priority 0', { priority: 0 as never }, 'opts.priority', /integer from 1 to 4, got 0/],
    ['priority 5', { priority: 5 as never }, 'opts.priority', /integer from 1 to 4, got 5/],
    ['priority 1.5', { priority: 1.5 as never }, 'opts.priority', /integer from 1 to 4/],
    ['maxAttempts 0', { maxAttempts: 0 }, 'opts.maxAttempts', /from 1 to 32767, got 0/],
    ['maxAttempts over smallint', { maxAttempts: 32768 }, 'opts.maxAttempts', /from 1 to 32767, got 32768/],
    ['maxAttempts as a string', { maxAttempts: '3' as never }, 'opts.maxAttempts', /got "3"/],
    ['queue with capitals', { queue: 'Emails' }, 'opts.queue', /not a queue name/],
    ['queue with a double underscore', { queue: 'a__b' }, 'opts.queue', /not a queue name/],
    ['queue starting with a dash', { queue: '-a' }, 'opts.queue', /not a queue name/],
    ['queue with a dot', { queue: 'a.b' }, 'opts.queue', /not a queue name/],
    ['empty queue', { queue: '' }, 'opts.queue', /1 to 64 characters, got 0/],
    ['65-character queue', { queue: 'a'.repeat(65) }, 'opts.queue', /1 to 64 characters, got 65/],
    ['tag over 255 characters', { tags: ['ok', 't'.repeat(256)] }, 'opts.tags[1]', /1 to 255 characters/],
    ['tag with a space', { tags: ['has space'] }, 'opts.tags[0]', /only letters, digits/],
    ['tags not an array', { tags: 'a' as never }, 'opts.tags', /array of strings/],
    ['invalid date', { scheduledAt: new Date('nope') }, 'opts.scheduledAt', /valid Date/],
    ['date as a string', { scheduledAt: '2030-01-01' as never }, 'opts.scheduledAt', /valid Date/],
    ['metadata array', { metadata: [] as never }, 'opts.metadata', /JSON object/],
    ['metadata null', { metadata: null as never }, 'opts.metadata', /JSON object/],
    ['metadata with a function', { metadata: { f: (() => 1) as never } }, 'opts.metadata.f', /function is not a JSON value/],
    ['pending not boolean', { pending: 'yes' as never }, 'opts.pending', /boolean/],
    ['unknown option', { prio: 2 } as never, 'opts.prio', /not an insert option/],
    ['byState without running', { uniqueOpts: { byState: ['available', 'pending', 'scheduled'] } }, 'opts.uniqueOpts.byState', /missing running/],
    ['byState with a bad state', { uniqueOpts: { byState: ['available', 'pending', 'running', 'scheduled', 'done' as never] } }, 'opts.uniqueOpts.byState[4]', /not a job state/],
    ['byPeriod negative', { uniqueOpts: { byPeriod: -5 } }, 'opts.uniqueOpts.byPeriod', /positive whole number/],
    ['excludeKind alone', { uniqueOpts: { excludeKind: true } }, 'opts.uniqueOpts.excludeKind', /leaves nothing in the unique key/],
    ['unknown unique option', { uniqueOpts: { byArg: true } as never }, 'opts.uniqueOpts.byArg', /not a unique option/],
  ])('%s', async (_name, opts, field, message) => {
    const error = await rejects(() => client.insert(t.db, noop, {}, opts));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });
});

describe('insertMany', () => {
  test('a bad item names its index and nothing is written', async () => {
    const error = await rejects(() =>
      client.insertMany(t.db, [
        { job: noop, args: {} },
        { job: chargeCard, args: { orderId: 1, cents: 5 } },
        { job: chargeCard, args: { orderId: 2, cents: 0 } },
      ]),
    );
    expect(error.message).toMatch(/^insertMany items\[2\] \("charge_card"\): args\.cents: Invalid value/);
  });

  test('items must be an array of job definitions', async () => {
    expect((await rejects(() => client.insertMany(t.db, 'x' as never))).field).toBe('items');
    const error = await rejects(() => client.insertMany(t.db, [{ job: { kind: 'fake' }, args: {} }] as never));
    expect(error.message).toMatch(/items\[0\].*job: must be a job definition made by defineJob/);
  });
});

describe('job definitions', () => {
  test.each([
    ['', /1 to 127 characters, got 0/],
    ['k'.repeat(128), /1 to 127 characters, got 128/],
    ['has space', /must start with a letter/],
    ['-leading', /must start with a letter/],
  ])('kind %j is refused', (kind, message) => {
    expect(() => defineJob({ kind, args: v.object({}) })).toThrow(message);
  });

  test('River-style kinds are accepted', () => {
    for (const kind of ['sort_args', 'email.send', 'Namespace::Job', 'a/b-c[1]<x>+y', 'x']) {
      expect(defineJob({ kind, args: v.object({}) }).kind).toBe(kind);
    }
  });

  test('a schema that is not a Standard Schema, and bad insertOpts, fail at definition', () => {
    expect(() => defineJob({ kind: 'k', args: { parse: () => 1 } as never })).toThrow(/args: must be a valibot schema/);
    expect(() => defineJob({ kind: 'k', args: v.object({}), insertOpts: { priority: 9 as never } })).toThrow(/insertOpts\.priority/);
  });

  test('any Standard Schema works, not just valibot', async () => {
    const handMade = {
      '~standard': {
        version: 1 as const,
        vendor: 'hand-made',
        validate: (value: unknown) =>
          typeof (value as { id?: unknown })?.id === 'number'
            ? { value: value as { id: number } }
            : { issues: [{ message: 'id must be a number', path: ['id'] }] },
      },
    };
    const job = defineJob({ kind: 'hand_made', args: handMade });
    expect((await client.insert(t.db, job, { id: 3 })).job.args).toEqual({ id: 3 });
    expect((await rejects(() => client.insert(t.db, job, { id: 'x' } as never))).message).toMatch(/args\.id: id must be a number/);
  });
});

describe('client options', () => {
  test('an unknown option suggests the right one', () => {
    expect(() => new Client({ schmea: 'x' } as never)).toThrow(/schmea: is not a client option; did you mean "schema"\?/);
    expect(() => new Client({ insertOpt: {} } as never)).toThrow(/did you mean "insertOpts"/);
  });

  test('bad schema, pool and default options', () => {
    expect(() => new Client({ schema: 'bad-name' })).toThrow(/schema: must be a Postgres identifier/);
    expect(() => new Client({ schema: 's'.repeat(47) })).toThrow(/at most 46 characters/);
    expect(() => new Client({ pool: {} as never })).toThrow(/pool: must be a node-postgres Pool/);
    expect(() => new Client({ insertOpts: { maxAttempts: 40000 } })).toThrow(/insertOpts\.maxAttempts/);
  });
});
