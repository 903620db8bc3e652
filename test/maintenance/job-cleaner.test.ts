import { beforeEach, describe, expect, test } from 'vitest';
import { Client, MAINTENANCE_DEFAULTS } from '../../src/index.js';
import { resolveClientConfig } from '../../src/client-config.js';
import type { PgPool } from '../../src/sql/pg-pool.js';
import { JobCleaner } from '../../src/maintenance/job-cleaner.js';
import { maintenanceServices } from '../../src/maintenance/services.js';
import { migrate } from '../../src/migrate/migrate.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const T0 = new Date('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (ms: number) => () => new Date(T0.getTime() + ms);

// Jobs finalized at T0 (or unfinished, created and scheduled long before it).
async function jobs(state: string, count = 1, schema = 'public'): Promise<number[]> {
  const finalized = ['completed', 'cancelled', 'discarded'].includes(state);
  const rows = await t.query(
    `INSERT INTO ${schema}.river_job (kind, args, state, finalized_at, created_at, scheduled_at)
     SELECT 'noop', '{}', $1::text::${schema}.river_job_state, $2::timestamptz, $3::timestamptz, $3::timestamptz FROM generate_series(1, $4)
     RETURNING id::int`,
    [state, finalized ? T0 : null, new Date(T0.getTime() - 30 * DAY), count],
  );
  return rows.map((r) => r.id);
}

const states = async (table = 'river_job') => (await t.query(`SELECT state::text FROM ${table} ORDER BY state::text`)).map((r) => r.state);
const cleaner = (opts: Partial<ConstructorParameters<typeof JobCleaner>[0]> = {}) =>
  new JobCleaner({ pool: t.pool, schema: undefined, logger: quietLogger, retention: { ...MAINTENANCE_DEFAULTS.retention }, ...opts });

beforeEach(async () => {
  await t.query('DELETE FROM river_job');
});

describe('job cleaner', () => {
  test('deletes completed and cancelled jobs after 24 h and discarded ones after 7 days', async () => {
    for (const state of ['completed', 'cancelled', 'discarded']) await jobs(state, 2);
    expect(await cleaner({ now: at(23 * HOUR) }).runOnce()).toBe(0);
    expect(await cleaner({ now: at(25 * HOUR) }).runOnce()).toBe(4);
    expect(await states()).toEqual(['discarded', 'discarded']);
    expect(await cleaner({ now: at(7 * DAY - HOUR) }).runOnce()).toBe(0);
    expect(await cleaner({ now: at(7 * DAY + HOUR) }).runOnce()).toBe(2);
    expect(await states()).toEqual([]);
  });

  test('never deletes jobs that are not finalized, however old', async () => {
    for (const state of ['available', 'pending', 'retryable', 'running', 'scheduled']) await jobs(state);
    await jobs('completed');
    expect(await cleaner({ now: at(365 * DAY) }).runOnce()).toBe(1);
    expect(await states()).toEqual(['available', 'pending', 'retryable', 'running', 'scheduled']);
  });

  test('retention is configurable per state, and -1 keeps a state forever', async () => {
    for (const state of ['completed', 'cancelled', 'discarded']) await jobs(state);
    const custom = cleaner({ retention: { completed: 60_000, cancelled: -1, discarded: 10 * DAY }, now: at(2 * 60_000) });
    expect(await custom.runOnce()).toBe(1);
    expect(await states()).toEqual(['cancelled', 'discarded']);
    const keepAll = cleaner({ retention: { completed: -1, cancelled: -1, discarded: -1 }, now: at(3650 * DAY) });
    expect(await keepAll.runOnce()).toBe(0);
    expect(await states()).toEqual(['cancelled', 'discarded']);
  });

  test('deletes in batches until a batch comes back short', async () => {
    await jobs('completed', 25);
    let statements = 0;
    const counting: PgPool = { query: (text, values) => (statements++, t.pool.query(text, values)), connect: () => t.pool.connect() };
    expect(await cleaner({ pool: counting, batchSize: 10, batchPause: 0, now: at(2 * DAY) }).runOnce()).toBe(25);
    expect(statements).toBe(3);
    expect(await states()).toEqual([]);
  });

  test('skips a job another transaction has locked, without waiting for it', async () => {
    const [locked] = await jobs('completed', 3);
    const other = await t.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query('SELECT id FROM river_job WHERE id = $1 FOR UPDATE', [locked]);
      expect(await cleaner({ now: at(2 * DAY) }).runOnce()).toBe(2);
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
    expect(await cleaner({ now: at(2 * DAY) }).runOnce()).toBe(1);
  });

  test('cleans the tables of a named Postgres schema, and only those', async () => {
    await migrate({ pool: t.pool, schema: 'cleaner_schema' });
    await jobs('completed', 2, 'cleaner_schema');
    await jobs('completed', 1);
    expect(await cleaner({ schema: 'cleaner_schema', now: at(2 * DAY) }).runOnce()).toBe(2);
    expect(await states('cleaner_schema.river_job')).toEqual([]);
    expect(await states()).toEqual(['completed']);
  });

  test('validates retention when the client is made, and defaults it', () => {
    expect(() => new Client({ retention: { completed: 0 } })).toThrow('retention.completed: must be a whole number of ms >= 1, or -1 to keep forever, got 0');
    expect(() => new Client({ retention: { discarded: 1.5 } })).toThrow(/retention\.discarded: must be a whole number of ms/);
    expect(() => new Client({ retention: { complete: 1000 } as never })).toThrow(/retention\.complete: is not a retention state; did you mean "completed"\?/);
    expect(() => new Client({ retention: 1000 as never })).toThrow(/retention: must be an object/);
    expect(() => new Client({ retention: { completed: -1, cancelled: 1, discarded: 86_400_000 } })).not.toThrow();
    expect(resolveClientConfig({}).retention).toEqual({ completed: DAY, cancelled: DAY, discarded: 7 * DAY });
    expect(resolveClientConfig({ retention: { cancelled: -1 } }).retention).toEqual({ completed: DAY, cancelled: -1, discarded: 7 * DAY });
  });

  test('the leader runs the job cleaner, queue cleaner and reindexer; reindex: false leaves the reindexer out', () => {
    const ctx = { pool: t.pool, schema: undefined, logger: quietLogger, clientId: 'c', now: undefined };
    const names = (config: Parameters<typeof resolveClientConfig>[0]) => maintenanceServices(resolveClientConfig(config), ctx).map((s) => s.name);
    expect(names({})).toEqual(expect.arrayContaining(['job cleaner', 'queue cleaner', 'reindexer']));
    expect(names({ reindex: false })).not.toContain('reindexer');
  });
});
