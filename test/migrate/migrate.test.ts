import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { migrate, TributaryError } from '../../src/index.js';
import { createTestDatabase } from '../support/test-database.js';

const run = promisify(execFile);
const cli = resolve(import.meta.dirname, '../../dist/cli.js');
const tags = ['0000_river_schema', '0001_river_interop', '0002_tributary_client', '0003_river_v7', '0004_river_v7_interop', '0005_sequence_index', '0006_workflow_index', '0007_queue_sample', '0008_workflow_unfinished_index'];

const tableNames = async (t: { query: (s: string, p?: unknown[]) => Promise<any[]> }, schema: string) =>
  (await t.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`, [schema])).map((r) => r.table_name);

describe('migrate', () => {
  test('applies the shipped migrations once; again it does nothing', async () => {
    const t = await createTestDatabase({ empty: true });
    const first = await migrate({ pool: t.pool });
    expect(first).toEqual({ schema: 'public', applied: tags, alreadyApplied: [] });
    expect(await tableNames(t, 'public')).toEqual(['river_job', 'river_leader', 'river_migration', 'river_notification', 'river_queue', 'tributary_client', 'tributary_migration', 'tributary_queue_sample']);
    const again = await migrate({ pool: t.pool });
    expect(again).toEqual({ schema: 'public', applied: [], alreadyApplied: tags });
  });

  test('many processes at once: one applies, the others wait and find nothing to do', async () => {
    const t = await createTestDatabase({ empty: true });
    const results = await Promise.all(Array.from({ length: 4 }, () => migrate({ databaseUrl: t.url })));
    expect(results.filter((r) => r.applied.length === tags.length)).toHaveLength(1);
    expect(results.filter((r) => r.applied.length === 0)).toHaveLength(3);
    expect(await t.query(`SELECT tag FROM tributary_migration ORDER BY tag`)).toEqual(tags.map((tag) => ({ tag })));
  });

  test('into a named schema, created if missing, with the same tables', async () => {
    const t = await createTestDatabase({ empty: true });
    const result = await migrate({ pool: t.pool, schema: 'queue' });
    expect(result.schema).toBe('queue');
    expect(await tableNames(t, 'queue')).toEqual(['river_job', 'river_leader', 'river_migration', 'river_notification', 'river_queue', 'tributary_client', 'tributary_migration', 'tributary_queue_sample']);
    expect(await tableNames(t, 'public')).toEqual([]);
    const [type] = await t.query(`SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'queue.river_job'::regclass AND attname = 'state'`);
    expect(type?.type).toBe('queue.river_job_state');
    // Two schemas in one database are independent.
    expect((await migrate({ pool: t.pool })).applied).toEqual(tags);
  });

  test('refuses tables made by another tool', async () => {
    const t = await createTestDatabase({ empty: true });
    await t.query(`CREATE TABLE river_job (id bigserial PRIMARY KEY)`);
    const error = await migrate({ pool: t.pool }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TributaryError);
    expect((error as Error).message).toMatch(/already has river_job but no tributary_migration table/);
    expect(await tableNames(t, 'public')).toEqual(['river_job']);
  });

  test('refuses a database migrated by a newer version, or from different SQL', async () => {
    const t = await createTestDatabase({ empty: true });
    await migrate({ pool: t.pool });
    await t.query(`INSERT INTO tributary_migration (tag, hash) VALUES ('0099_future', 'x')`);
    await expect(migrate({ pool: t.pool })).rejects.toThrow(/has migration 0099_future, unknown to this version.*upgrade/);
    await t.query(`DELETE FROM tributary_migration WHERE tag = '0099_future'`);
    await t.query(`UPDATE tributary_migration SET hash = 'edited' WHERE tag = '0000_river_schema'`);
    await expect(migrate({ pool: t.pool })).rejects.toThrow(/0000_river_schema was applied from different SQL/);
  });

  test('validates its options', async () => {
    await expect(migrate({} as never)).rejects.toThrow(/give a pool or a databaseUrl/);
    await expect(migrate({ databaseUrl: 'postgres://x', schema: 'no-dash' })).rejects.toThrow(/schema: must be a Postgres identifier/);
  });
});

// Each test starts the CLI (a Node process) two or three times: seconds each on a busy machine.
describe('tributary migrate (CLI)', { timeout: 90_000 }, () => {
  test('migrates, then reports up to date', async () => {
    const t = await createTestDatabase({ empty: true });
    const first = await run('node', [cli, 'migrate', '--database-url', t.url, '--schema', 'cli_q']);
    expect(first.stdout).toContain('applied 0000_river_schema in schema cli_q');
    expect(first.stdout).toContain('migrated schema cli_q: 9 migration(s) applied');
    const second = await run('node', [cli, 'migrate', '--schema', 'cli_q'], { env: { ...process.env, DATABASE_URL: t.url } });
    expect(second.stdout).toContain('schema cli_q is up to date');
  });

  test('status lists applied and pending migrations and changes nothing', async () => {
    const t = await createTestDatabase({ empty: true });
    const before = await run('node', [cli, 'migrate', 'status', '--database-url', t.url]);
    expect(before.stdout).toContain(`pending  ${tags[0]}`);
    expect(before.stdout).toContain(`schema public: ${tags.length} migration(s) pending; run tributary migrate`);
    expect(await t.query(`SELECT to_regclass('river_job') AS r`)).toEqual([{ r: null }]);
    await run('node', [cli, 'migrate', 'up', '--database-url', t.url]);
    const after = await run('node', [cli, 'migrate', 'status', '--database-url', t.url]);
    expect(after.stdout).toContain(`applied  ${tags.at(-1)}`);
    expect(after.stdout).toContain('schema public is up to date');
  });

  test('a schema managed by drizzle-kit is reported as such', async () => {
    const t = await createTestDatabase({ empty: true });
    await t.query(`CREATE TABLE river_job (id bigint)`);
    const { stdout } = await run('node', [cli, 'migrate', 'status', '--database-url', t.url]);
    expect(stdout).toContain('river_job exists but was not made by tributary migrate');
  });

  test('without a database URL it is a usage error: a clear message and exit code 2', async () => {
    const env = { ...process.env };
    delete env.DATABASE_URL;
    const error = (await run('node', [cli, 'migrate'], { env }).catch((e: unknown) => e)) as { code: number; stderr: string };
    expect(error.code).toBe(2);
    expect(error.stderr).toMatch(/--database-url <url>.*not specified/);
  });

  test('an unreachable database fails with exit code 1', async () => {
    const error = (await run('node', [cli, 'migrate', '--database-url', 'postgres://nobody:x@127.0.0.1:1/none']).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toMatch(/^tributary: .*ECONNREFUSED/);
  });
});
