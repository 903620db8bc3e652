import { describe, expect, test } from 'vitest';
import { migrate } from '../../src/index.js';
import { readMigrationFiles } from '../../src/migrate/migration-files.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { catalogSnapshot } from './catalog-snapshot.js';
import { tributaryCatalog } from './tributary-catalog.js';

// The catalog River's clients meet, compared with River's own version 7 (the fixture, from
// River's migration files) but for Tributary's two documented differences.

const otherTables = async (t: TestDatabase, schema: string) =>
  (await t.query(`SELECT tablename FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'river\\_%' ORDER BY 1`, [schema])).map(
    (r) => r.tablename,
  );
const riverMigrations = async (t: TestDatabase, schema: string) =>
  (await t.query(`SELECT line, version::int FROM ${schema}.river_migration ORDER BY version`)).map((r) => `${r.line} ${r.version}`);
const MAIN_1_TO_7 = [1, 2, 3, 4, 5, 6, 7].map((v) => `main ${v}`);

describe("tributary migrate gives River's version 7", () => {
  test('in the default schema', async () => {
    const t = await createTestDatabase();
    expect(await catalogSnapshot(t.query, 'public')).toEqual(tributaryCatalog());
    expect(await riverMigrations(t, 'public')).toEqual(MAIN_1_TO_7);
    // Beside River's tables, only Tributary's own: client heartbeats, its migration record and the dashboard's samples.
    expect(await otherTables(t, 'public')).toEqual(['tributary_client', 'tributary_migration', 'tributary_queue_sample']);
  });

  test('in a named schema', async () => {
    const t = await createTestDatabase({ empty: true });
    await migrate({ pool: t.pool, schema: 'queue' });
    expect(await catalogSnapshot(t.query, 'queue')).toEqual(tributaryCatalog());
    expect(await riverMigrations(t, 'queue')).toEqual(MAIN_1_TO_7);
  });

  test('upgrading a database an older Tributary migrated, keeping its rows', async () => {
    const t = await createTestDatabase({ empty: true });
    // What versions before River's full version 7 left: their three migrations applied and
    // recorded. Those files still ship unchanged (migrate refuses a recorded one whose SQL
    // changed), so applying just them reproduces that database.
    const older = (await readMigrationFiles()).slice(0, 3);
    expect(older.map((m) => m.tag)).toEqual(['0000_river_schema', '0001_river_interop', '0002_tributary_client']);
    await t.query(`CREATE TABLE tributary_migration (tag text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of older) {
      for (const statement of migration.statements) await t.query(statement);
      await t.query(`INSERT INTO tributary_migration (tag, hash) VALUES ($1, $2)`, [migration.tag, migration.hash]);
    }
    await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('old-leader', now(), now() + interval '15 seconds')`);
    await t.query(`INSERT INTO river_job (args, kind, tags) VALUES ('{"a":1}', 'kept', '{x}')`);
    const before = await catalogSnapshot(t.query, 'public');
    expect(before.tables.river_leader?.persistence).toBe('permanent');
    expect(before.tables.river_notification).toBeUndefined();

    const result = await migrate({ pool: t.pool });
    expect(result.applied).toEqual(['0003_river_v7', '0004_river_v7_interop', '0005_sequence_index', '0006_workflow_index', '0007_queue_sample', '0008_workflow_unfinished_index']);
    expect(await catalogSnapshot(t.query, 'public')).toEqual(tributaryCatalog());
    expect(await t.query(`SELECT leader_id FROM river_leader`)).toEqual([{ leader_id: 'old-leader' }]);
    expect(await t.query(`SELECT kind, args, tags FROM river_job`)).toEqual([{ kind: 'kept', args: { a: 1 }, tags: ['x'] }]);
    expect((await migrate({ pool: t.pool })).applied).toEqual([]);
  });
});

describe('what version 7 adds, at work', () => {
  test("river_notification takes River's rows and refuses a topic River would not write", async () => {
    const t = await createTestDatabase();
    const [row] = await t.query(`INSERT INTO river_notification (payload, topic) VALUES ('{}', 'river_insert') RETURNING id::int, created_at IS NOT NULL AS dated`);
    expect(row).toEqual({ id: 1, dated: true });
    await expect(t.query(`INSERT INTO river_notification (payload, topic) VALUES ('{}', '')`)).rejects.toThrow('topic_length');
    await expect(t.query(`INSERT INTO river_notification (payload, topic) VALUES ('{}', repeat('t', 128))`)).rejects.toThrow('topic_length');
  });

  test("a row inserted without tags or updated_at gets River's defaults", async () => {
    const t = await createTestDatabase();
    expect(await t.query(`INSERT INTO river_job (args, kind) VALUES ('{}', 'bare') RETURNING tags`)).toEqual([{ tags: [] }]);
    const [queue] = await t.query(`INSERT INTO river_queue (name) VALUES ('bare') RETURNING updated_at > now() - interval '1 minute' AS fresh`);
    expect(queue).toEqual({ fresh: true });
  });
});
