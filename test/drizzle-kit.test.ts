import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { integer, pgTable, serial, timestamp } from 'drizzle-orm/pg-core';
import * as v from 'valibot';
import { afterAll, expect, test } from 'vitest';
import { Client, defineJob } from '../src/index.js';
import { catalogSnapshot } from './schema/catalog-snapshot.js';
import { tributaryCatalog } from './schema/tributary-catalog.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

// The user's flow, end to end, with the real drizzle-kit CLI: the app's schema file re-exports
// `tributary-queue/schema` (resolved through the package's self-reference to dist/schema.cjs, since
// drizzle-kit loads schema files with require), `drizzle-kit generate` writes one migration for
// the app's tables and the queue's, the README's two River interop migrations are added as
// custom migrations, `drizzle-kit migrate` applies them all, and then an app row and a job commit
// together in one Drizzle transaction. The database then has River's version-7 shape.

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
const drizzleKit = join(repoRoot, 'node_modules', '.bin', 'drizzle-kit');
const exampleSchema = join(repoRoot, 'examples', 'drizzle-kit-app', 'src', 'db', 'schema.ts');
const namedSchemaFixture = join(repoRoot, 'test', 'fixtures', 'named-schema-app.ts');

const TIMEOUT = 120_000;

// Empty databases (no Tributary tables): drizzle-kit's migration creates everything.
const defaultSchemaDb = await createTestDatabase({ empty: true });
const namedSchemaDb = await createTestDatabase({ empty: true });
const pushDb = await createTestDatabase({ empty: true });

// The custom migrations the README tells drizzle-kit users to add, from the package's drizzle/.
const INTEROP_MIGRATIONS = ['0001_river_interop.sql', '0004_river_v7_interop.sql'];

/** The example app's table, declared here too so the test can insert through Drizzle. */
const orders = pgTable('orders', {
  id: serial('id').primaryKey(),
  total: integer('total').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

const sendReceipt = defineJob({
  kind: 'send_receipt',
  args: v.object({ orderId: v.number() }),
});

const tempDirs: string[] = [];
afterAll(async () => {
  await Promise.all(tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs drizzle-kit in `cwd`, the config's folder: `generate --custom` only finds a relative `out`.
 * node_modules and the package self-reference still resolve, from the schema files' own folders.
 */
function drizzleKitRun(args: string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    execFile(
      drizzleKit,
      args,
      { cwd, timeout: 60_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        done({ code, stdout: String(stdout), stderr: String(stderr) + (error && code !== 0 ? `\n${error.message}` : '') });
      },
    );
  });
}

function expectSuccess(step: string, result: RunResult) {
  expect(result.code, `drizzle-kit ${step} failed\n--- stdout ---\n${result.stdout}\n--- stderr ---\n${result.stderr}`).toBe(0);
}

/**
 * drizzle-kit migrate exits 1 without printing Postgres's error, so on failure replay the
 * migration's statements in a rolled-back transaction to name the statement and the error.
 */
async function explainMigrateFailure(t: TestDatabase, migrationSql: string): Promise<string> {
  const client = await t.pool.connect();
  try {
    await client.query('BEGIN');
    for (const statement of migrationSql.split('--> statement-breakpoint')) {
      try {
        await client.query(statement);
      } catch (error) {
        return `Postgres: ${(error as Error).message}\nin: ${statement.trim().slice(0, 200)}`;
      }
    }
    return 'replaying the migration succeeded; the failure is in drizzle-kit itself';
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

async function writeConfig(t: TestDatabase, config: { schema: string; schemaFilter?: string[] }) {
  const dir = await mkdtemp(join(tmpdir(), 'tributary-drizzle-kit-'));
  tempDirs.push(dir);
  const out = join(dir, 'drizzle');
  const configFile = join(dir, 'drizzle.config.ts');
  const body = {
    dialect: 'postgresql',
    schema: config.schema,
    out: './drizzle',
    dbCredentials: { url: t.url },
    ...(config.schemaFilter ? { schemaFilter: config.schemaFilter } : {}),
  };
  await writeFile(configFile, `export default ${JSON.stringify(body, null, 2)};\n`);
  return { dir, out, configFile };
}

/**
 * Writes a drizzle config into a fresh temp dir, runs generate, adds the River interop migrations
 * as the README says (in a named schema, with that schema on the search_path while they run),
 * then migrate. Returns the generated SQL.
 */
async function generateAndMigrate(t: TestDatabase, config: { schema: string; schemaFilter?: string[]; queueSchema?: string }): Promise<string> {
  const { dir, out, configFile } = await writeConfig(t, config);
  expectSuccess('generate', await drizzleKitRun(['generate', '--config', configFile], dir));
  const sqlFiles = (await readdir(out)).filter((f) => f.endsWith('.sql'));
  expect(sqlFiles).toHaveLength(1);
  const migrationSql = await readFile(join(out, sqlFiles[0]!), 'utf8');

  for (const file of INTEROP_MIGRATIONS) {
    const name = file.replace(/^\d+_/, '').replace(/\.sql$/, '');
    expectSuccess('generate --custom', await drizzleKitRun(['generate', '--custom', '--name', name, '--config', configFile], dir));
    const created = (await readdir(out)).filter((f) => f.endsWith(`_${name}.sql`));
    expect(created).toHaveLength(1);
    const shipped = await readFile(join(repoRoot, 'drizzle', file), 'utf8');
    const body = config.queueSchema
      ? `SET LOCAL search_path TO ${config.queueSchema};\n--> statement-breakpoint\n${shipped}\n--> statement-breakpoint\nRESET search_path;\n`
      : shipped;
    await writeFile(join(out, created[0]!), body);
  }

  const migrated = await drizzleKitRun(['migrate', '--config', configFile], dir);
  if (migrated.code !== 0) migrated.stderr += `\n--- replayed ---\n${await explainMigrateFailure(t, migrationSql)}`;
  expectSuccess('migrate', migrated);
  return migrationSql;
}

test(
  'drizzle-kit generate + migrate from a schema that re-exports tributary-queue/schema, then enqueue in the app transaction',
  async () => {
    const t = defaultSchemaDb;
    const migrationSql = await generateAndMigrate(t, { schema: exampleSchema });

    expect(migrationSql).toContain('CREATE TABLE "orders"');
    expect(migrationSql).toContain('CREATE TABLE "river_job"');
    expect(migrationSql).toContain('CREATE TABLE "river_queue"');
    expect(migrationSql).toContain('CREATE TABLE "river_leader"');
    expect(migrationSql).toContain('CREATE TABLE "river_migration"');
    expect(migrationSql).toMatch(/CREATE UNIQUE INDEX "river_job_unique_idx" ON "river_job"/);
    expect(await catalogSnapshot(t.query, 'public')).toEqual(tributaryCatalog());

    const client = new Client();
    const { order, job } = await t.db.transaction(async (tx) => {
      const [order] = await tx.insert(orders).values({ total: 4200 }).returning();
      const { job } = await client.insert(tx, sendReceipt, { orderId: order!.id });
      return { order: order!, job };
    });

    expect(await t.query('SELECT id, total FROM public.orders')).toEqual([{ id: order.id, total: 4200 }]);
    const jobs = await t.query('SELECT id, kind, args, state FROM public.river_job');
    expect(jobs).toEqual([{ id: String(job.id), kind: 'send_receipt', args: { orderId: order.id }, state: 'available' }]);

    // A rollback takes the job with it.
    await expect(
      t.db.transaction(async (tx) => {
        await tx.insert(orders).values({ total: 1 });
        await client.insert(tx, sendReceipt, { orderId: -1 });
        throw new Error('rollback');
      }),
    ).rejects.toThrow('rollback');
    expect(await t.query('SELECT count(*)::int AS n FROM river_job')).toEqual([{ n: 1 }]);

    // The generated unique index is the ON CONFLICT arbiter for unique jobs.
    const uniqueOpts = { byArgs: true };
    const first = await client.insert(t.db, sendReceipt, { orderId: 7 }, { uniqueOpts });
    const second = await client.insert(t.db, sendReceipt, { orderId: 7 }, { uniqueOpts });
    expect(first.uniqueSkippedAsDuplicate).toBe(false);
    expect(second.uniqueSkippedAsDuplicate).toBe(true);
    expect(second.job.id).toBe(first.job.id);
  },
  TIMEOUT,
);

test(
  'drizzle-kit with the queue in a named Postgres schema (createSchema({ schema: "queue" }) + schemaFilter)',
  async () => {
    const t = namedSchemaDb;
    const migrationSql = await generateAndMigrate(t, {
      schema: namedSchemaFixture,
      schemaFilter: ['public', 'queue'],
      queueSchema: 'queue',
    });

    expect(migrationSql).toContain('CREATE SCHEMA "queue"');
    expect(migrationSql).toContain('CREATE TYPE "queue"."river_job_state"');
    expect(migrationSql).toContain('CREATE TABLE "queue"."river_job"');
    expect(migrationSql).toContain('CREATE TABLE "orders"');
    expect(migrationSql).toMatch(/CREATE UNIQUE INDEX "river_job_unique_idx" ON "queue"\."river_job"/);
    // This app opts in to River's GIN indexes, so they are River's too.
    expect(await catalogSnapshot(t.query, 'queue')).toEqual(tributaryCatalog({ ginIndexes: true }));
    expect(await t.query(`SELECT count(*)::int AS n FROM queue.river_migration`)).toEqual([{ n: 7 }]);

    const client = new Client({ schema: 'queue' });
    const { order, job } = await t.db.transaction(async (tx) => {
      const [order] = await tx.insert(orders).values({ total: 99 }).returning();
      const { job } = await client.insert(tx, sendReceipt, { orderId: order!.id });
      return { order: order!, job };
    });

    expect(await t.query('SELECT id, total FROM public.orders')).toEqual([{ id: order.id, total: 99 }]);
    expect(await t.query('SELECT id, kind, args FROM queue.river_job')).toEqual([
      { id: String(job.id), kind: 'send_receipt', args: { orderId: order.id } },
    ]);
    // Nothing leaked into public.
    expect(await t.query(`SELECT to_regclass('public.river_job') AS t`)).toEqual([{ t: null }]);

    const uniqueOpts = { byArgs: true };
    const first = await client.insert(t.db, sendReceipt, { orderId: 1 }, { uniqueOpts });
    const second = await client.insert(t.db, sendReceipt, { orderId: 1 }, { uniqueOpts });
    expect(second.uniqueSkippedAsDuplicate).toBe(true);
    expect(second.job.id).toBe(first.job.id);
  },
  TIMEOUT,
);

test(
  'drizzle-kit push settles: a second push proposes nothing',
  async () => {
    const { dir, configFile } = await writeConfig(pushDb, { schema: exampleSchema });
    const first = await drizzleKitRun(['push', '--config', configFile, '--force'], dir);
    expectSuccess('push', first);
    expect(await pushDb.query(`SELECT to_regclass('public.river_notification') IS NOT NULL AS made`)).toEqual([{ made: true }]);
    const second = await drizzleKitRun(['push', '--config', configFile, '--verbose'], dir);
    expectSuccess('second push', second);
    expect(second.stdout).toContain('No changes detected');
    expect(second.stdout).not.toMatch(/ALTER|CREATE|DROP/);
  },
  TIMEOUT,
);
