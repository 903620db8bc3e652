import { getTableConfig } from 'drizzle-orm/pg-core';
import { describe, expect, test } from 'vitest';
import { createSchema, riverJob } from '../../src/schema/index.js';
import { createTestDatabase } from '../support/test-database.js';

// The database was made by `tributary migrate` (the test template): these read Postgres's own
// catalog, so they pin what River's clients will find, not what our declarations claim.
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
  test('has exactly River columns, types, nullability and defaults', async () => {
    expect(await columns('river_job')).toEqual([
      { name: 'id', type: 'bigint', nullable: false, default: "nextval('river_job_id_seq'::regclass)" },
      { name: 'state', type: 'river_job_state', nullable: false, default: "'available'::river_job_state" },
      { name: 'attempt', type: 'smallint', nullable: false, default: '0' },
      { name: 'max_attempts', type: 'smallint', nullable: false, default: '25' },
      { name: 'attempted_at', type: 'timestamp with time zone', nullable: true, default: null },
      { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'finalized_at', type: 'timestamp with time zone', nullable: true, default: null },
      { name: 'scheduled_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'priority', type: 'smallint', nullable: false, default: '1' },
      { name: 'args', type: 'jsonb', nullable: false, default: null },
      { name: 'attempted_by', type: 'text[]', nullable: true, default: null },
      { name: 'errors', type: 'jsonb[]', nullable: true, default: null },
      { name: 'kind', type: 'text', nullable: false, default: null },
      { name: 'metadata', type: 'jsonb', nullable: false, default: "'{}'::jsonb" },
      { name: 'queue', type: 'text', nullable: false, default: "'default'::text" },
      { name: 'tags', type: 'character varying(255)[]', nullable: false, default: "'{}'::character varying[]" },
      { name: 'unique_key', type: 'bytea', nullable: true, default: null },
      { name: 'unique_states', type: 'bit(8)', nullable: true, default: null },
    ]);
    const [pk] = await t.query(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'river_job'::regclass AND contype = 'p'`);
    expect(pk?.def).toBe('PRIMARY KEY (id)');
  });

  test('the state enum has River values in River order', async () => {
    const rows = await t.query(`SELECT unnest(enum_range(NULL::river_job_state))::text AS v`);
    expect(rows.map((r) => r.v)).toEqual(['available', 'cancelled', 'completed', 'discarded', 'pending', 'retryable', 'running', 'scheduled']);
  });

  test('has River check constraints by name', async () => {
    const rows = await t.query(`SELECT conname FROM pg_constraint WHERE conrelid = 'river_job'::regclass AND contype = 'c' ORDER BY conname`);
    expect(rows.map((r) => r.conname)).toEqual(['finalized_or_finalized_at_null', 'kind_length', 'max_attempts_is_positive', 'priority_in_range', 'queue_length']);
  });

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

  test('has River indexes; GIN indexes are opt-in', async () => {
    const rows = await t.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'river_job' ORDER BY indexname`,
    );
    const defs = Object.fromEntries(rows.map((r) => [r.indexname, r.indexdef]));
    expect(Object.keys(defs)).toEqual([
      'river_job_kind',
      'river_job_pkey',
      'river_job_prioritized_fetching_index',
      'river_job_state_and_finalized_at_index',
      'river_job_unique_idx',
    ]);
    expect(defs.river_job_kind).toMatch(/USING btree \(kind\)$/);
    expect(defs.river_job_prioritized_fetching_index).toMatch(/USING btree \(state, queue, priority, scheduled_at, id\)$/);
    expect(defs.river_job_state_and_finalized_at_index).toMatch(/USING btree \(state, finalized_at\) WHERE \(finalized_at IS NOT NULL\)$/);
    expect(defs.river_job_unique_idx).toMatch(/^CREATE UNIQUE INDEX .* USING btree \(unique_key\) WHERE \(\(unique_key IS NOT NULL\) AND \(unique_states IS NOT NULL\) AND \(\s*CASE state/);

    const withGin = getTableConfig(createSchema({ argsIndex: true, metadataIndex: true }).riverJob).indexes.map((i) => i.config.name);
    expect(withGin).toEqual(expect.arrayContaining(['river_job_args_index', 'river_job_metadata_index']));
    expect(getTableConfig(riverJob).indexes.map((i) => i.config.name)).not.toContain('river_job_args_index');
  });
});

describe('the other tables', () => {
  test('river_queue', async () => {
    expect(await columns('river_queue')).toEqual([
      { name: 'name', type: 'text', nullable: false, default: null },
      { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
      { name: 'metadata', type: 'jsonb', nullable: false, default: "'{}'::jsonb" },
      { name: 'paused_at', type: 'timestamp with time zone', nullable: true, default: null },
      { name: 'updated_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
    ]);
  });

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
    expect(await columns('river_leader')).toEqual([
      { name: 'elected_at', type: 'timestamp with time zone', nullable: false, default: null },
      { name: 'expires_at', type: 'timestamp with time zone', nullable: false, default: null },
      { name: 'leader_id', type: 'text', nullable: false, default: null },
      { name: 'name', type: 'text', nullable: false, default: "'default'::text" },
    ]);
    await t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('a', now(), now() + interval '15 seconds')`);
    await expect(t.query(`INSERT INTO river_leader (leader_id, elected_at, expires_at) VALUES ('b', now(), now())`)).rejects.toThrow(/duplicate key/);
    await expect(t.query(`INSERT INTO river_leader (name, leader_id, elected_at, expires_at) VALUES ('other', 'b', now(), now())`)).rejects.toThrow('name_length');
    await expect(t.query(`UPDATE river_leader SET leader_id = ''`)).rejects.toThrow('leader_id_length');
  });

  test('river_migration holds main 1..7 for River migrator', async () => {
    expect(await columns('river_migration')).toEqual([
      { name: 'line', type: 'text', nullable: false, default: null },
      { name: 'version', type: 'bigint', nullable: false, default: null },
      { name: 'created_at', type: 'timestamp with time zone', nullable: false, default: 'now()' },
    ]);
    const rows = await t.query(`SELECT line, version::int FROM river_migration ORDER BY version`);
    expect(rows).toEqual([1, 2, 3, 4, 5, 6, 7].map((version) => ({ line: 'main', version })));
  });
});
