import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, defineJob, ValidationError, type DrizzleHandle, type InsertManyItem } from '../../src/index.js';
import { COPY_MIN_ROWS } from '../../src/insert/insert-jobs.js';
import { jobRowFromJson } from '../../src/job-row.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';
import { nodePostgresHandle, pgliteHandle, postgresJsHandle, type DriverHandle } from './driver-handles.js';

// Large batches of plain jobs go through COPY FROM STDIN on node-postgres (the statement, prepared
// where the driver allows, elsewhere). COPY returns nothing, so each result is built from ids and
// now() reserved beforehand: these tests read every row back and compare, and check that COPY
// keeps what the statement promised: the caller's transaction, one notification per queue, ids in
// item order. Every driver runs them, so the statement path is held to the same.

const t = await createTestDatabase();
const client = new Client();
const BATCH = COPY_MIN_ROWS.database + 50;

const rich = defineJob({
  kind: 'copy_rich',
  args: v.object({ marker: v.string(), i: v.number(), text: v.string(), list: v.array(v.string()), nested: v.object({ deep: v.string() }) }),
});
const plain = defineJob({ kind: 'copy_plain', args: v.object({ marker: v.string(), i: v.number() }) });
const unique = defineJob({ kind: 'copy_unique', args: v.object({ marker: v.string(), i: v.number() }), insertOpts: { uniqueOpts: { byArgs: true } } });

/** Text COPY's format must escape, or that JSON or an array literal must keep. */
const AWKWARD = ['tab\there', 'line\nbreak', 'carriage\rreturn', 'back\\slash', '\\N', '\\.', 'say "hi"', '{braces}', 'a,b', 'NULL', '', ' padded ',
  'ünï €😀', 'sep\u2028arator', '<&>', '\\\t\\\n'];

function richItems(marker: string, count: number): InsertManyItem[] {
  const future = new Date(Date.now() + 3_600_000);
  const past = new Date(Date.now() - 3_600_000);
  return Array.from({ length: count }, (_, i) => {
    const text = AWKWARD[i % AWKWARD.length]!;
    return {
      job: rich,
      args: { marker, i, text, list: AWKWARD, nested: { deep: text } },
      opts: {
        queue: `q${i % 3}`,
        priority: ((i % 4) + 1) as 1 | 2 | 3 | 4,
        maxAttempts: 1 + (i % 7),
        metadata: { note: text, i },
        tags: i % 5 === 0 ? [] : ['NULL', `tag-${i % 4}`, 'a_b'],
        ...(i % 11 === 3 ? { scheduledAt: future } : {}),
        ...(i % 13 === 4 ? { scheduledAt: past } : {}),
        ...(i % 17 === 5 ? { pending: true } : {}),
      },
    };
  });
}

const COUNT = `SELECT count(*)::int AS n FROM river_job WHERE args->>'marker' = $1`;
const count = async (driver: DriverHandle, marker: string) => (await driver.query<{ n: number }>(COUNT, [marker]))[0]!.n;

/** The stored rows of `ids`, read back as the admin API reads them. */
async function stored(driver: DriverHandle, ids: number[]) {
  const rows = await driver.query<{ job: string }>(`SELECT row_to_json(j)::text AS job FROM river_job j WHERE id = ANY($1::bigint[]) ORDER BY id`, [ids]);
  return rows.map((r) => jobRowFromJson(JSON.parse(r.job) as Record<string, unknown>));
}

/** No connection of the database is left in a transaction (PGlite has only the one in use). */
async function noConnectionLeftInTransaction(driver: DriverHandle) {
  if (driver.name === 'PGlite') return;
  await waitFor(async () => {
    const stuck = await driver.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND state LIKE 'idle in transaction%'`,
    );
    return stuck[0]!.n === 0;
  }, { message: 'no connection left idle in a transaction' });
}

const drivers: { name: string; make: () => Promise<DriverHandle> }[] = [
  { name: 'node-postgres', make: async () => nodePostgresHandle(t) },
  { name: 'postgres.js', make: async () => postgresJsHandle(t) },
  { name: 'PGlite', make: pgliteHandle },
];

const modes = [
  { mode: 'db', run: <T>(d: DriverHandle, fn: (h: DrizzleHandle) => Promise<T>) => fn(d.db) },
  { mode: 'tx', run: <T>(d: DriverHandle, fn: (h: DrizzleHandle) => Promise<T>) => d.db.transaction((tx) => fn(tx)) },
] as const;

// One row Postgres itself rejects (no Tributary check knows this constraint), to make a COPY fail
// after its data was sent.
const REJECT = `ALTER TABLE river_job ADD CONSTRAINT copy_test_reject CHECK (NOT (args ? 'reject_me'))`;
await t.query(REJECT);

describe.each(drivers.map((d) => [d.name, d] as const))('%s', (_name, { make }) => {
  let driver: DriverHandle;
  beforeAll(async () => {
    driver = await make();
    if (driver.name === 'PGlite') await driver.query(REJECT);
  });
  afterAll(async () => {
    await driver.close();
  });

  describe.each(modes.map((m) => [m.mode, m] as const))('on %s', (mode, { run }) => {
    test('a large batch returns every job exactly as stored, ids ascending in item order', async () => {
      const marker = randomUUID();
      const items = richItems(marker, BATCH);
      driver.statements.length = 0;
      const results = await run(driver, (h) => client.insertMany(h, items));
      expect(driver.statements.includes('COPY')).toBe(driver.copies);
      if (driver.copies) expect(driver.statements.filter((s) => s === 'COPY')).toHaveLength(1);

      expect(results).toHaveLength(BATCH);
      const ids = results.map((r) => r.job.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(BATCH);
      const rows = await stored(driver, ids);
      results.forEach((result, i) => {
        expect(result.uniqueSkippedAsDuplicate).toBe(false);
        expect(result.job, `item ${i}`).toEqual(rows[i]);
        expect(result.job.args).toEqual(items[i]!.args);
      });
      const states = new Set(results.map((r) => r.job.state));
      expect(states).toEqual(new Set(['available', 'scheduled', 'pending']));
      // created_at is the transaction's now(), the same for the whole batch, as the default gives.
      expect(new Set(results.map((r) => r.job.createdAt.getTime())).size).toBe(1);
      const raw = await driver.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM river_job WHERE args->>'marker' = $1 AND attempt = 0 AND attempted_at IS NULL AND attempted_by IS NULL
           AND errors IS NULL AND finalized_at IS NULL AND unique_key IS NULL AND unique_states IS NULL`,
        [marker],
      );
      expect(raw[0]!.n).toBe(BATCH);
      void mode;
    });

    test('one notification per queue that got an available job, at commit', async () => {
      const marker = randomUUID();
      const tag = marker.slice(0, 8);
      const queue = (name: string) => `c${tag}-${name}`;
      const future = new Date(Date.now() + 3_600_000);
      const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => {
        const kind = ['now', 'later', 'pending', 'past'][i % 4]!;
        const opts = kind === 'now' ? {} : kind === 'later' ? { scheduledAt: future } : kind === 'pending' ? { pending: true } : { scheduledAt: new Date(Date.now() - 1000) };
        return { job: plain, args: { marker, i }, opts: { ...opts, queue: queue(kind) } };
      });
      const listener = await driver.listen('public.river_insert');
      try {
        await run(driver, (h) => client.insertMany(h, items));
        await listener.flush();
        const ours = listener.payloads.filter((p) => p.includes(tag)).sort();
        expect(ours).toEqual([`{"queue":"${queue('now')}"}`, `{"queue":"${queue('past')}"}`]);
      } finally {
        await listener.close();
      }
    });

    test('a row Postgres rejects fails the batch with its error and leaves nothing', async () => {
      const marker = randomUUID();
      const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => ({ job: plain, args: { marker, i } }));
      const poison = defineJob({ kind: 'copy_poison', args: v.object({ marker: v.string(), reject_me: v.boolean() }) });
      items.push({ job: poison, args: { marker, reject_me: true } });
      const error = await run(driver, (h) => client.insertMany(h, items)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(String((error as Error).message) + String((error as { cause?: Error }).cause?.message)).toContain('copy_test_reject');
      expect(await count(driver, marker)).toBe(0);
      // The connection is back in use, not left in an aborted transaction.
      const again = await run(driver, (h) => client.insertMany(h, items.slice(0, BATCH)));
      expect(again).toHaveLength(BATCH);
      expect(await count(driver, marker)).toBe(BATCH);
      await noConnectionLeftInTransaction(driver);
    });

    test('args and metadata Postgres cannot store are a validation error naming the item and field, and nothing is sent', async () => {
      const marker = randomUUID();
      const cases = [
        ['a\u0000b', 'contains a NUL character (\\u0000), which Postgres cannot store in jsonb'],
        ['half \ud83d of', 'contains a lone UTF-16 surrogate (half of a character), which Postgres cannot store in jsonb'],
      ] as const;
      for (const [bad, what] of cases) {
        const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => ({ job: plain, args: { marker, i } }));
        items[7] = { job: rich, args: { marker, i: 7, text: 'ok', list: ['fine', bad], nested: { deep: 'ok' } } };
        items[9] = { job: plain, args: { marker, i: 9 }, opts: { metadata: { [bad]: 1 } } };
        driver.statements.length = 0;
        const error = await run(driver, async (h) => {
          const failed = await client.insertMany(h, items).catch((e: unknown) => e);
          // The caller's transaction is untouched: it can go on and commit.
          await client.insert(h, plain, { marker, i: -1 });
          return failed;
        });
        expect(error).toBeInstanceOf(ValidationError);
        expect((error as Error).message).toBe(`insertMany items[7] ("copy_rich"): args.list[1]: ${what}`);
        items[7] = { job: plain, args: { marker, i: 7 } };
        const onMetadata = await client.insertMany(t.db, items).catch((e: unknown) => e);
        expect((onMetadata as Error).message).toBe(`insertMany items[9] ("copy_plain"): metadata[${JSON.stringify(bad)}]: has a key that ${what}`);
        expect(driver.statements.includes('COPY')).toBe(false);
      }
      expect(await count(driver, marker)).toBe(2);
      // A db's own transaction, begun while the items were validated, is rolled back and its connection given back.
      await noConnectionLeftInTransaction(driver);
      if (driver.name === 'node-postgres') expect(t.pool.idleCount).toBe(t.pool.totalCount);
    });

    test('huge args go through whole', async () => {
      const marker = randomUUID();
      const huge = 'x\t\\\n'.repeat(250_000) + '😀'; // 1 MB of characters COPY must escape
      const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => ({ job: rich, args: { marker, i, text: i === 1 ? huge : 't', list: [], nested: { deep: '' } } }));
      const results = await run(driver, (h) => client.insertMany(h, items));
      const [row] = await driver.query<{ text: string }>(`SELECT args->>'text' AS text FROM river_job WHERE id = $1`, [results[1]!.job.id]);
      expect(row!.text).toBe(huge);
      expect(results[1]!.job.args.text).toBe(huge);
    });
  });

  test('rolled back, a large batch leaves no job and sends no notification', async () => {
    const marker = randomUUID();
    const queue = `r${marker.slice(0, 8)}`;
    const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => ({ job: plain, args: { marker, i }, opts: { queue } }));
    const listener = await driver.listen('public.river_insert');
    try {
      const boom = new Error('boom');
      await expect(
        driver.db.transaction(async (tx) => {
          const results = await client.insertMany(tx, items);
          expect(results).toHaveLength(BATCH);
          // Not visible outside before commit, and not notified. (PGlite has one connection, which
          // the transaction holds.)
          if (driver.name !== 'PGlite') {
            expect(await count(driver, marker)).toBe(0);
            await listener.flush();
            expect(listener.payloads.filter((p) => p.includes(queue))).toEqual([]);
          }
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await count(driver, marker)).toBe(0);
      await listener.flush();
      expect(listener.payloads.filter((p) => p.includes(queue))).toEqual([]);
    } finally {
      await listener.close();
    }
  });

  test('a large batch with unique jobs goes through the statement, duplicates flagged', async () => {
    const marker = randomUUID();
    const items: InsertManyItem[] = Array.from({ length: BATCH }, (_, i) => (i % 3 === 0 ? { job: unique, args: { marker, i } } : { job: plain, args: { marker, i } }));
    driver.statements.length = 0;
    const first = await client.insertMany(driver.db, items);
    expect(driver.statements.includes('COPY')).toBe(false);
    const second = await driver.db.transaction((tx) => client.insertMany(tx, items));
    items.forEach((item, i) => {
      const isUnique = item.job === unique;
      expect(first[i]!.uniqueSkippedAsDuplicate, `item ${i}`).toBe(false);
      expect(second[i]!.uniqueSkippedAsDuplicate, `item ${i}`).toBe(isUnique);
      if (isUnique) expect(second[i]!.job).toEqual(first[i]!.job);
      else expect(second[i]!.job.id).not.toBe(first[i]!.job.id);
    });
    expect(await count(driver, marker)).toBe(BATCH + (BATCH - BATCH / 3));
  });

  test("a large batch replacing unique jobs goes through the statement, every duplicate replaced", async () => {
    const marker = randomUUID();
    const replace = { uniqueOpts: { byArgs: true, onConflict: 'replace' } } as const;
    const items = (priority: 1 | 2): InsertManyItem[] => Array.from({ length: BATCH }, (_, i) => ({ job: unique, args: { marker, i }, opts: { ...replace, priority } }));
    const first = await client.insertMany(driver.db, items(1));
    driver.statements.length = 0;
    const second = await driver.db.transaction((tx) => client.insertMany(tx, items(2)));
    expect(driver.statements.includes('COPY')).toBe(false);
    second.forEach((result, i) => {
      expect([result.uniqueSkippedAsDuplicate, result.uniqueReplaced, result.job.id, result.job.priority], `item ${i}`).toEqual([false, true, first[i]!.job.id, 2]);
    });
    expect(await count(driver, marker)).toBe(BATCH);
  });

  test('the statement is prepared on the connection, where the driver prepares statements', async () => {
    const marker = randomUUID();
    const names = await driver.db.transaction(async (tx) => {
      await client.insertMany(tx, [{ job: unique, args: { marker, i: 1 } }]);
      const result = (await tx.execute(sql`SELECT name FROM pg_prepared_statements WHERE statement LIKE '%WITH input AS%'`)) as unknown;
      return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { name: string }[];
    });
    expect(names.length > 0).toBe(driver.name !== 'PGlite');
    if (driver.name === 'node-postgres') expect(names[0]!.name).toMatch(/^tributary_job_insert_many_[0-9a-f]{16}$/);
  });

  test.each([
    ['a transaction', 'tx', COPY_MIN_ROWS.transaction],
    ['a db', 'db', COPY_MIN_ROWS.database],
  ] as const)('through %s, COPY from %i jobs on, the statement below', async (_what, mode, from) => {
    const run = modes.find((m) => m.mode === mode)!.run;
    for (const size of [from - 1, from]) {
      const marker = randomUUID();
      driver.statements.length = 0;
      await run(driver, (h) => client.insertMany(h, Array.from({ length: size }, (_, i) => ({ job: plain, args: { marker, i } }))));
      expect(driver.statements.includes('COPY'), `${size} jobs`).toBe(driver.copies && size === from);
      expect(await count(driver, marker)).toBe(size);
    }
  });
});
