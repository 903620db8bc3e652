import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { Client, DEFAULT_UNIQUE_STATES, defineJob, type DrizzleHandle, type InsertManyItem } from '../../src/index.js';
import { chargeCard, noop, sendEmail } from '../support/jobs.js';
import { createTestDatabase } from '../support/test-database.js';

// Tributary only calls `execute` on the handle it is given, and each driver shapes that result
// differently (node-postgres and PGlite `{ rows }`, postgres.js an array) and parses types with
// its own parsers. These tests run the same inserts through every Drizzle Postgres driver, on
// `db` and on the `tx` of `db.transaction`, and expect identical results.

const t = await createTestDatabase();
const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));
const client = new Client();

/** A job whose args carry a marker, so each test finds its own rows in a database shared by drivers. */
const probe = defineJob({
  kind: 'driver_probe',
  args: v.object({ marker: v.string(), n: v.number() }),
  insertOpts: { queue: 'probes', priority: 2, maxAttempts: 5 },
});

/** A Drizzle database of one driver, plus a way to count jobs that does not go through Tributary. */
interface Driver {
  db: DrizzleHandle & { transaction<T>(fn: (tx: DrizzleHandle) => Promise<T>): Promise<T> };
  /** Jobs whose args.subject or args.marker is `marker`, counted outside Tributary. */
  count(marker: string): Promise<number>;
}

const COUNT_SQL = `SELECT count(*)::int AS n FROM river_job WHERE args->>'subject' = $1 OR args->>'marker' = $1`;

const drivers: { name: string; connect: () => Promise<Driver> }[] = [
  {
    name: 'node-postgres',
    connect: async () => ({
      db: drizzleNodePg(t.pool),
      count: async (marker) => (await t.query<{ n: number }>(COUNT_SQL, [marker]))[0]!.n,
    }),
  },
  {
    name: 'postgres.js',
    connect: async () => {
      const sql = postgres(t.url, { max: 4, onnotice: () => {} });
      afterAll(async () => {
        await sql.end();
      });
      return {
        db: drizzlePostgresJs(sql),
        count: async (marker) => (await t.query<{ n: number }>(COUNT_SQL, [marker]))[0]!.n,
      };
    },
  },
  {
    name: 'PGlite',
    connect: async () => {
      const pglite = new PGlite();
      afterAll(async () => {
        await pglite.close();
      });
      const db = drizzlePglite(pglite);
      // Drizzle's own migrator on the shipped folder: the schema comes from the same files users
      // hand to drizzle-kit, which proves that folder is a valid Drizzle migrations folder.
      await migratePglite(db, { migrationsFolder });
      return {
        db,
        count: async (marker) => (await pglite.query<{ n: number }>(COUNT_SQL, [marker])).rows[0]!.n,
      };
    },
  },
];

const modes = [
  { mode: 'db', run: <T>(db: Driver['db'], fn: (h: DrizzleHandle) => Promise<T>) => fn(db) },
  { mode: 'tx', run: <T>(db: Driver['db'], fn: (h: DrizzleHandle) => Promise<T>) => db.transaction((tx) => fn(tx)) },
] as const;

describe.each(drivers.map((d) => [d.name, d] as const))('%s', (_name, { connect }) => {
  let driver: Driver;
  beforeAll(async () => {
    driver = await connect();
  });

  describe.each(modes.map((m) => [m.mode, m] as const))('on %s', (_mode, { mode, run }) => {
    test('insert returns the stored row with typed fields', async () => {
      const subject = `typed-${randomUUID()}`;
      const args = { to: 'a@example.com', subject, attachments: [{ name: 'a.pdf', bytes: 12 }] };
      const before = Date.now();
      const result = await run(driver.db, (h) =>
        client.insert(h, sendEmail, args, { tags: ['welcome', 'mail-1'], metadata: { source: mode, nested: { n: 1 } } }),
      );

      expect(result.uniqueSkippedAsDuplicate).toBe(false);
      const job = result.job;
      expect(typeof job.id).toBe('number');
      expect(Number.isSafeInteger(job.id) && job.id > 0).toBe(true);
      expect(job.state).toBe('available');
      expect(job.kind).toBe('send_email');
      expect(job.queue).toBe('default');
      expect(job.priority).toBe(1);
      expect(job.maxAttempts).toBe(25);
      expect(job.attempt).toBe(0);
      expect(job.createdAt).toBeInstanceOf(Date);
      expect(job.scheduledAt).toBeInstanceOf(Date);
      expect(Number.isNaN(job.createdAt.getTime())).toBe(false);
      // The database's clock decides; allow for a little skew against ours.
      expect(Math.abs(job.scheduledAt.getTime() - before)).toBeLessThan(60_000);
      expect(job.attemptedAt).toBeNull();
      expect(job.finalizedAt).toBeNull();
      expect(job.args).toEqual(args);
      expect(job.metadata).toEqual({ source: mode, nested: { n: 1 } });
      expect(job.tags).toEqual(['welcome', 'mail-1']);
      expect(job.attemptedBy).toEqual([]);
      expect(job.errors).toEqual([]);
      expect(job.uniqueKey).toBeNull();
      expect(job.uniqueStates).toBeNull();
      expect(await driver.count(subject)).toBe(1);
    });

    test('a scheduledAt an hour ahead inserts a scheduled job', async () => {
      const subject = `scheduled-${randomUUID()}`;
      const at = new Date(Date.now() + 60 * 60_000);
      const { job } = await run(driver.db, (h) => client.insert(h, sendEmail, { to: 'b@example.com', subject }, { scheduledAt: at }));
      expect(job.state).toBe('scheduled');
      expect(job.scheduledAt).toBeInstanceOf(Date);
      expect(job.scheduledAt.getTime()).toBe(at.getTime());
    });

    test('a unique insert twice returns the same job, flagged as a duplicate the second time', async () => {
      const marker = randomUUID();
      const args = { marker, n: 7 };
      const opts = { uniqueOpts: { byArgs: true } };
      const [first, second] = await run(driver.db, async (h) => [
        await client.insert(h, probe, args, opts),
        await client.insert(h, probe, args, opts),
      ]);

      expect(first.uniqueSkippedAsDuplicate).toBe(false);
      expect(second.uniqueSkippedAsDuplicate).toBe(true);
      expect(second.job.id).toBe(first.job.id);
      expect(first.job.queue).toBe('probes');
      expect(first.job.args).toEqual(args);
      for (const { job } of [first, second]) {
        expect(Buffer.isBuffer(job.uniqueKey)).toBe(true);
        expect(job.uniqueKey!.length).toBe(32);
        expect(job.uniqueStates).toEqual(['available', 'completed', 'pending', 'retryable', 'running', 'scheduled']);
        expect(job.uniqueStates).toEqual([...DEFAULT_UNIQUE_STATES]);
      }
      expect(second.job.uniqueKey!.equals(first.job.uniqueKey!)).toBe(true);
      expect(await driver.count(marker)).toBe(1);
    });

    test("onConflict: 'replace' updates the waiting duplicate, skips a running one, and merges a batch's items of one key", async () => {
      const marker = randomUUID();
      const replace = { uniqueOpts: { byArgs: ['marker'] as const, onConflict: 'replace' as const } };
      const at = new Date(Date.now() + 60 * 60_000);
      const [first, second, batch] = await run(driver.db, async (h) => [
        await client.insert(h, probe, { marker, n: 1 }, replace),
        await client.insert(h, probe, { marker, n: 2 }, { ...replace, scheduledAt: at, priority: 4 }),
        await client.insertMany(h, [
          { job: probe, args: { marker, n: 3 }, opts: replace },
          { job: probe, args: { marker, n: 4 }, opts: { ...replace, priority: 3 } },
        ]),
      ]);
      expect(first).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: false });
      expect(second).toMatchObject({ uniqueSkippedAsDuplicate: false, uniqueReplaced: true, job: { id: first.job.id, state: 'scheduled', args: { marker, n: 2 }, priority: 4 } });
      expect(second.job.scheduledAt.getTime()).toBe(at.getTime());
      expect(second.job.uniqueKey!.equals(first.job.uniqueKey!)).toBe(true);
      expect(batch.map((r) => [r.uniqueSkippedAsDuplicate, r.uniqueReplaced, r.job.id])).toEqual([[false, true, first.job.id], [false, true, first.job.id]]);
      expect(batch[1]!.job).toMatchObject({ state: 'available', args: { marker, n: 4 }, priority: 3 });
      expect(await driver.count(marker)).toBe(1);

      await run(driver.db, async (h) => h.execute(sql`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = now() WHERE id = ${first.job.id}`));
      const skipped = await run(driver.db, (h) => client.insert(h, probe, { marker, n: 5 }, replace));
      expect(skipped).toMatchObject({ uniqueSkippedAsDuplicate: true, uniqueReplaced: false, job: { id: first.job.id, state: 'running', args: { marker, n: 4 } } });
    });

    test('insertMany of mixed items returns results in item order', async () => {
      const marker = randomUUID();
      const future = new Date(Date.now() + 60 * 60_000);
      const items: InsertManyItem[] = [];
      for (let i = 0; i < 50; i++) {
        switch (i % 5) {
          case 0:
            items.push({ job: sendEmail, args: { to: `u${i}@example.com`, subject: `${marker}-${i}` } });
            break;
          case 1:
            items.push({ job: chargeCard, args: { orderId: i, cents: 100 + i } });
            break;
          case 2:
            items.push({ job: noop, args: { n: i }, opts: { scheduledAt: future, priority: 3 } });
            break;
          case 3:
            // Unique: these come back matched by key, not by id, so they test the reordering.
            items.push({ job: probe, args: { marker, n: i }, opts: { uniqueOpts: { byArgs: true }, queue: 'q-unique' } });
            break;
          default:
            items.push({ job: sendEmail, args: { to: `v${i}@example.com`, subject: `${marker}-${i}` }, opts: { pending: true, tags: [`t${i}`] } });
        }
      }

      const results = await run(driver.db, (h) => client.insertMany(h, items));

      expect(results).toHaveLength(items.length);
      results.forEach((result, i) => {
        const item = items[i]!;
        expect(result.job.kind, `item ${i}`).toBe(item.job.kind);
        expect(result.job.args, `item ${i}`).toEqual(item.args);
        expect(result.uniqueSkippedAsDuplicate, `item ${i}`).toBe(false);
        expect(typeof result.job.id).toBe('number');
        const expectedState = i % 5 === 2 ? 'scheduled' : i % 5 === 4 ? 'pending' : 'available';
        expect(result.job.state, `item ${i}`).toBe(expectedState);
        expect(result.job.uniqueKey === null, `item ${i}`).toBe(i % 5 !== 3);
      });
      expect(new Set(results.map((r) => r.job.id)).size).toBe(items.length);
      // Non-unique items get ids in item order.
      const plainIds = results.filter((_, i) => i % 5 !== 3).map((r) => r.job.id);
      expect(plainIds).toEqual([...plainIds].sort((a, b) => a - b));
      expect(await driver.count(marker)).toBe(10);
    });
  });

  test('a transaction that throws after an insert leaves no job', async () => {
    const subject = `rollback-${randomUUID()}`;
    const boom = new Error('boom');
    await expect(
      driver.db.transaction(async (tx) => {
        await client.insert(tx, sendEmail, { to: 'c@example.com', subject });
        await client.insertMany(tx, [{ job: probe, args: { marker: subject, n: 1 } }]);
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(await driver.count(subject)).toBe(0);
  });
});
