import { drizzle } from 'drizzle-orm/node-postgres';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { Client, defineJob, migrate, TributaryError } from '../../src/index.js';
import { chargeCard, noop, sendEmail } from '../support/jobs.js';
import { listen } from '../support/notifications.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const client = new Client();

describe('insert', () => {
  test('stores the job with River defaults', async () => {
    const before = Date.now();
    const { job, uniqueSkippedAsDuplicate } = await client.insert(t.db, sendEmail, { to: 'a@example.com', subject: 'Hello' });
    expect(uniqueSkippedAsDuplicate).toBe(false);
    expect(job).toMatchObject({
      kind: 'send_email',
      state: 'available',
      queue: 'default',
      priority: 1,
      maxAttempts: 25,
      attempt: 0,
      args: { to: 'a@example.com', subject: 'Hello' },
      metadata: {},
      tags: [],
      attemptedBy: [],
      errors: [],
      attemptedAt: null,
      finalizedAt: null,
      uniqueKey: null,
      uniqueStates: null,
    });
    expect(job.id).toBeTypeOf('number');
    expect(job.createdAt.getTime()).toBeGreaterThan(before - 60_000);
    const [row] = await t.query(`SELECT kind, args, state::text FROM river_job WHERE id = $1`, [job.id]);
    expect(row).toEqual({ kind: 'send_email', args: { to: 'a@example.com', subject: 'Hello' }, state: 'available' });
  });

  test('stores the schema output: unknown keys stripped, defaults applied', async () => {
    const job = defineJob({ kind: 'with_defaults', args: v.object({ n: v.optional(v.number(), 7) }) });
    const { job: row } = await client.insert(t.db, job, { extra: true } as never);
    expect(row.args).toEqual({ n: 7 });
  });

  test('options: insert over job definition over client over defaults, field by field', async () => {
    const layered = new Client({ insertOpts: { queue: 'client_q', priority: 3, tags: ['from-client'], maxAttempts: 9 } });
    const a = await layered.insert(t.db, chargeCard, { orderId: 1, cents: 100 }, { priority: 4 });
    expect(a.job).toMatchObject({ queue: 'payments', priority: 4, maxAttempts: 5, tags: ['from-client'] });
    const b = await layered.insert(t.db, noop, {});
    expect(b.job).toMatchObject({ queue: 'client_q', priority: 3, maxAttempts: 9, tags: ['from-client'] });
    const c = await layered.insert(t.db, noop, {}, { queue: 'mine', tags: ['x'], metadata: { trace: 'abc' } });
    expect(c.job).toMatchObject({ queue: 'mine', priority: 3, tags: ['x'], metadata: { trace: 'abc' } });
  });

  test('scheduledAt in the future schedules; in the past it is available now; pending waits', async () => {
    const later = new Date(Date.now() + 3_600_000);
    const scheduled = await client.insert(t.db, noop, {}, { scheduledAt: later });
    expect(scheduled.job.state).toBe('scheduled');
    expect(scheduled.job.scheduledAt.getTime()).toBe(later.getTime());
    const past = await client.insert(t.db, noop, {}, { scheduledAt: new Date(Date.now() - 60_000) });
    expect(past.job.state).toBe('available');
    const pending = await client.insert(t.db, noop, {}, { pending: true, scheduledAt: later });
    expect(pending.job.state).toBe('pending');
  });

  test('accepts the edges of every range', async () => {
    const { job } = await client.insert(t.db, noop, {}, {
      priority: 4,
      maxAttempts: 32767,
      queue: 'a'.repeat(64),
      tags: ['t'.repeat(255), 'with-dash_and_underscore'],
    });
    expect(job).toMatchObject({ priority: 4, maxAttempts: 32767, queue: 'a'.repeat(64) });
  });
});

describe('insertMany', () => {
  test('inserts a large batch through one COPY, in a transaction of its own, results in item order', async () => {
    const statements: string[] = [];
    const counted = drizzle(t.pool, { logger: { logQuery: (text) => void statements.push(text.split(/\s/)[0]!) } });
    const items = Array.from({ length: 1000 }, (_, i) =>
      i % 2 === 0
        ? { job: noop, args: { n: i } }
        : { job: chargeCard, args: { orderId: i, cents: i + 1 }, opts: { priority: ((i % 4) + 1) as 1 | 2 | 3 | 4 } },
    );
    const results = await client.insertMany(counted, items);
    // Ids and now() first, then the rows: logged to Drizzle's logger like its own statements.
    expect(statements).toEqual(['begin', 'WITH', 'COPY', 'commit']);
    expect(results).toHaveLength(1000);
    results.forEach((r, i) => expect(r.job.args).toEqual(items[i]!.args));
    expect(results[1]!.job).toMatchObject({ queue: 'payments', priority: 2 });
    expect(new Set(results.map((r) => r.job.id)).size).toBe(1000);
  });

  test('returns each job exactly as stored, awkward text included', async () => {
    const reader = new Client({ pool: t.pool });
    const awkward = ['say "hi"', 'back\\slash', '{braces}', 'a,b', 'NULL', '', ' padded ', 'ünï €😀', 'line\nbreak'];
    const jsonJob = defineJob({ kind: 'awkward', args: v.object({ s: v.string(), nested: v.object({ list: v.array(v.string()) }) }) });
    const items = awkward.map((s, i) => ({
      job: jsonJob,
      args: { s, nested: { list: awkward } },
      opts: {
        metadata: { note: s, n: i },
        tags: i % 2 === 0 ? ['a-tag', `tag_${i}`] : [],
        priority: ((i % 4) + 1) as 1 | 2 | 3 | 4,
        ...(i === 1 ? { scheduledAt: new Date(Date.now() + 3_600_000) } : {}),
        ...(i === 2 ? { pending: true } : {}),
        ...(i === 3 ? { uniqueOpts: { byArgs: true } } : {}),
      },
    }));
    const results = await client.insertMany(t.db, items);
    expect(results.map((r) => r.job.state).slice(0, 4)).toEqual(['available', 'scheduled', 'pending', 'available']);
    for (const { job } of results) expect(job).toEqual(await reader.jobGet(job.id));
    expect(results.map((r) => r.job.args.s)).toEqual(awkward);
  });

  test('an empty list writes nothing and sends nothing', async () => {
    let statements = 0;
    const counted = drizzle(t.pool, { logger: { logQuery: () => void statements++ } });
    expect(await client.insertMany(counted, [])).toEqual([]);
    expect(statements).toBe(0);
  });
});

describe('river_insert notifications', () => {
  test('one per queue with available jobs, sent at commit, payload as River writes it', async () => {
    const listener = await listen(t.url, 'public.river_insert');
    try {
      await t.db.transaction(async (tx) => {
        await client.insertMany(tx, [
          { job: noop, args: {}, opts: { queue: 'alpha' } },
          { job: noop, args: {}, opts: { queue: 'alpha' } },
          { job: noop, args: {}, opts: { queue: 'beta' } },
          { job: noop, args: {}, opts: { queue: 'later', scheduledAt: new Date(Date.now() + 60_000) } },
          { job: noop, args: {}, opts: { queue: 'parked', pending: true } },
        ]);
        await client.insert(tx, noop, {}, { queue: 'alpha' });
        await listener.flush();
        expect(listener.payloads).toEqual([]);
      });
      await listener.flush();
      expect(listener.payloads.sort()).toEqual(['{"queue":"alpha"}', '{"queue":"beta"}']);
    } finally {
      await listener.close();
    }
  });

  test('a skipped unique duplicate notifies nothing', async () => {
    const unique = { uniqueOpts: { byArgs: true }, queue: 'uniq' };
    await client.insert(t.db, noop, { n: 1 }, unique);
    const listener = await listen(t.url, 'public.river_insert');
    try {
      const dup = await client.insert(t.db, noop, { n: 1 }, unique);
      expect(dup.uniqueSkippedAsDuplicate).toBe(true);
      await listener.flush();
      expect(listener.payloads).toEqual([]);
    } finally {
      await listener.close();
    }
  });
});

describe('a named Postgres schema', () => {
  test('the client inserts into it and notifies on <schema>.river_insert', async () => {
    await migrate({ databaseUrl: t.url, schema: 'jobs_here' });
    const scoped = new Client({ schema: 'jobs_here' });
    const listener = await listen(t.url, 'jobs_here.river_insert');
    try {
      const { job } = await scoped.insert(t.db, noop, { n: 5 }, { queue: 'scoped' });
      const rows = await t.query(`SELECT id FROM jobs_here.river_job`);
      expect(rows.map((r) => Number(r.id))).toEqual([job.id]);
      await listener.flush();
      expect(listener.payloads).toEqual(['{"queue":"scoped"}']);
    } finally {
      await listener.close();
    }
  });

  test('missing tables give an error naming the schemas that hold them', async () => {
    const lost = new Client({ schema: 'no_such_schema' });
    const error = await lost.insert(t.db, noop, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as Error).message).toBe(
      `insert "noop": Tributary's tables are not in schema "no_such_schema" but in schema "jobs_here", "public": ` +
        `pass schema: 'jobs_here' or schema: 'public' (--schema <name> on the command line) (schema "no_such_schema" does not exist)`,
    );
  });
});
