import { getTableConfig } from 'drizzle-orm/pg-core';
import { describe, expect, test } from 'vitest';
import { createSchema, riverJob } from '../../src/schema/index.js';
import { createTestDatabase } from '../support/test-database.js';

// The database was made by `tributary migrate` (the test template). Its whole catalog is compared
// with River's in river-v7.test.ts; these check that the constraints act as River's do.
const t = await createTestDatabase();

async function columns(table: string) {
  return t.query<{ name: string; type: string; nullable: boolean; default: string | null }>(
    `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
            pg_get_expr(d.adbin, d.adrelid) AS default
       FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
    [table],
  );
}

describe('river_job', () => {
  test.each([
    ['priority 0', `priority`, `0`, 'priority_in_range'],
    ['priority 5', `priority`, `5`, 'priority_in_range'],
    ['max_attempts 0', `max_attempts`, `0`, 'max_attempts_is_positive'],
    ['empty kind', `kind`, `''`, 'kind_length'],
    ['128-character queue', `queue`, `repeat('q', 128)`, 'queue_length'],
    ['completed without finalized_at', `state`, `'completed'`, 'finalized_or_finalized_at_null'],
    ['finalized_at while available', `finalized_at`, `now()`, 'finalized_or_finalized_at_null'],
  ])('rejects %s', async (_name, column, value, constraint) => {
    const cols = ['args', 'kind', column].filter((c, i, all) => all.indexOf(c) === i);
    const values = cols.map((c) => (c === column ? value : c === 'args' ? `'{}'` : `'k'`));
    await expect(t.query(`INSERT INTO river_job (${cols.join(', ')}) VALUES (${values.join(', ')})`)).rejects.toThrow(constraint);
  });

  test('accepts a finalized job with finalized_at, and 127-character kinds and queues', async () => {
    await t.query(`INSERT INTO river_job (args, kind, queue, state, finalized_at) VALUES ('{}', repeat('k', 127), repeat('q', 127), 'discarded', now())`);
  });

  test("River's GIN indexes are opt-in", () => {
    const withGin = getTableConfig(createSchema({ argsIndex: true, metadataIndex: true }).riverJob).indexes.map((i) => i.config.name);
    expect(withGin).toEqual(expect.arrayContaining(['river_job_args_index', 'river_job_metadata_index']));
    expect(getTableConfig(riverJob).indexes.map((i) => i.config.name)).not.toContain('river_job_args_index');
  });
});

describe('the other tables', () => {
  test("tributary_client, Tributary's own heartbeat table", async () => {
    expect(await columns('tributary_client')).toEqual([
      { name: 'id', type: 'text', nullable: false, default: null },
      { name: 'hostname', type: 'text', nullable: false, default: null },
      { name: 'pid', type: 'integer', nullable: false, default: null },
      { name: 'started_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'heartbeat_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'stopped_at', type: 'timestamp with time zone', nullable: true, default: null },
    ]);
    await expect(t.query(`INSERT INTO tributary_client (id, hostname, pid) VALUES ('', 'h', 1)`)).rejects.toThrow('tributary_client_id_length');
  });

  test('river_leader allows one row named default', async () => {
    await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('a', now(), now() + interval '15 seconds')`);
    await expect(t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('b', now(), now())`)).rejects.toThrow(/duplicate key/);
    await expect(t.query(`INSERT INTO river_leader (name, leader_id, elected_at, expires_at) VALUES ('other', 'b', now(), now())`)).rejects.toThrow('name_length');
    await expect(t.query(`UPDATE river_leader SET leader_id = ''`)).rejects.toThrow('leader_id_length');
  });
});
