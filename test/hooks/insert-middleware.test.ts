// Insert middleware: once per insert/insertMany call, first outermost, sees the items and the
// results, may change items, and fails the insert when it throws.
import { describe, expect, test } from 'vitest';
import { Client, TributaryError, ValidationError, type Middleware } from '../../src/index.js';
import { chargeCard, noop, sendEmail } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const count = async (kind: string) => (await t.query<{ n: number }>('SELECT count(*)::int AS n FROM river_job WHERE kind = $1', [kind]))[0]!.n;

describe('the middleware option', () => {
  test('is validated, naming the bad entry and hook', () => {
    const make = (middleware: unknown) => () => new Client({ middleware: middleware as Middleware[] });
    expect(make({ insert() {} })).toThrow('new Client(): middleware: must be an array of middleware');
    expect(make([{ work() {} }, { work: 'log' }])).toThrow('middleware[1].work: must be a function (ctx, next) => ..., got string');
    expect(make([null])).toThrow('middleware[0]: must be an object with insert and/or work functions, got null');
    expect(make([{ name: 'empty' }])).toThrow('middleware[0]: has neither an insert nor a work function');
    expect(make([{ insert: 1, name: 2 }])).toThrow(ValidationError);
    try {
      make([{ insert: 1, name: 2 }])();
    } catch (error) {
      expect((error as ValidationError).issues.map((i) => i.path)).toEqual(['middleware[0].insert', 'middleware[0].name']);
    }
    expect(make(undefined)).not.toThrow();
    expect(make([])).not.toThrow();
    expect(() => new Client({ middlewares: [] } as never)).toThrow('middlewares: is not a client option; did you mean "middleware"?');
  });
});

describe('insert middleware', () => {
  test('runs once per call, first outermost, with the items and the results of next()', async () => {
    const log: string[] = [];
    const seen: unknown[] = [];
    const tracer = (name: string): Middleware => ({
      async insert(ctx, next) {
        log.push(`${name}:before`);
        seen.push(ctx.items.map((item) => ({ kind: item.job.kind, args: item.args, opts: item.opts })));
        expect(ctx.tx).toBe(t.db);
        const results = await next();
        log.push(`${name}:after:${results.map((r) => r.job.kind).join(',')}`);
        return results;
      },
    });
    const client = new Client({ middleware: [tracer('outer'), tracer('inner')] });

    const one = await client.insert(t.db, sendEmail, { to: 'a@example.com', subject: 'one' }, { priority: 3 });
    expect(one.job.priority).toBe(3);
    expect(log).toEqual(['outer:before', 'inner:before', 'inner:after:send_email', 'outer:after:send_email']);
    expect(seen[0]).toEqual([{ kind: 'send_email', args: { to: 'a@example.com', subject: 'one' }, opts: { priority: 3 } }]);

    log.length = 0;
    const many = await client.insertMany(t.db, [
      { job: noop, args: {} },
      { job: chargeCard, args: { orderId: 1, cents: 5 } },
    ]);
    expect(many.map((r) => r.job.kind)).toEqual(['noop', 'charge_card']);
    expect(log).toEqual(['outer:before', 'inner:before', 'inner:after:noop,charge_card', 'outer:after:noop,charge_card']);
  });

  test('may change an item before next(), without touching the caller\'s objects', async () => {
    const client = new Client({
      middleware: [{
        insert(ctx, next) {
          for (const item of ctx.items) item.opts = { ...item.opts, metadata: { traced: true }, tags: ['traced'] };
          return next();
        },
      }],
    });
    const opts = { priority: 2 as const };
    const { job } = await client.insert(t.db, noop, { n: 1 }, opts);
    expect(job).toMatchObject({ priority: 2, tags: ['traced'], metadata: { traced: true } });
    expect(opts).toEqual({ priority: 2 });
  });

  test('a throw before next() fails the insert and writes nothing', async () => {
    const client = new Client({ middleware: [{ insert: () => Promise.reject(new Error('quota exceeded')) }] });
    const sync = new Client({ middleware: [{ insert: () => { throw new Error('sync throw'); } }] });
    const before = await count('send_email');
    await expect(client.insert(t.db, sendEmail, { to: 'b@example.com', subject: 'x' })).rejects.toThrow('quota exceeded');
    await expect(sync.insertMany(t.db, [{ job: sendEmail, args: { to: 'b@example.com', subject: 'x' } }])).rejects.toThrow('sync throw');
    expect(await count('send_email')).toBe(before);
  });

  test('a throw after next() inside a transaction rolls the jobs back with it', async () => {
    const client = new Client({ middleware: [{ insert: async (_ctx, next) => { await next(); throw new Error('after'); } }] });
    const before = await count('charge_card');
    await expect(t.db.transaction((tx) => client.insert(tx, chargeCard, { orderId: 9, cents: 1 }))).rejects.toThrow('after');
    expect(await count('charge_card')).toBe(before);
  });

  test('sees validation errors from next(), and nothing is written', async () => {
    const errors: unknown[] = [];
    const client = new Client({
      middleware: [{ insert: (_ctx, next) => next().catch((error: unknown) => { errors.push(error); throw error; }) }],
    });
    await expect(client.insert(t.db, sendEmail, { to: 'not-an-email', subject: 'x' })).rejects.toThrow(ValidationError);
    expect(errors[0]).toBeInstanceOf(ValidationError);
    expect((errors[0] as ValidationError).field).toBe('args.to');
  });

  test('forgetting to return the results, or calling next() twice, is named', async () => {
    const forgot = new Client({ middleware: [{ name: 'audit', async insert(_ctx, next) { await next(); return undefined as never; } }] });
    await expect(forgot.insert(t.db, noop, {})).rejects.toThrow('audit.insert must resolve with the results of next() (return await next()), got undefined');
    const twice = new Client({ middleware: [{ insert: async (_ctx, next) => (await next(), next()) }] });
    const before = await count('noop');
    await expect(twice.insert(t.db, noop, {})).rejects.toThrow(new TributaryError('middleware[0].insert called next() twice'));
    expect(await count('noop')).toBe(before + 1);
  });

  test('a middleware with only a work hook leaves inserts alone', async () => {
    const client = new Client({ middleware: [{ work: (_ctx, next) => next() }] });
    const { job } = await client.insert(t.db, noop, { n: 2 });
    expect(job.args).toEqual({ n: 2 });
  });
});
