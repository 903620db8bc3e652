import { describe, expect, test } from 'vitest';
import { Client } from '../../src/index.js';
import { resolveClientConfig } from '../../src/client-config.js';
import { cronSchedule, everySchedule } from '../../src/maintenance/cron.js';
import { Reindexer, type ReindexerOptions } from '../../src/maintenance/reindexer.js';
import { migrate } from '../../src/migrate/migrate.js';
import { quietLogger } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const BUILT_IN = ['river_job_kind', 'river_job_pkey', 'river_job_prioritized_fetching_index', 'river_job_state_and_finalized_at_index', 'river_job_unique_idx'];

const reindexer = (opts: Partial<ReindexerOptions> = {}) =>
  new Reindexer({ pool: t.pool, schema: undefined, logger: quietLogger, schedule: cronSchedule('@daily'), timeout: 60_000, ...opts });

/** Index name -> relfilenode (changes when the index is rebuilt) for river_job's indexes in `schema`. */
async function indexFiles(schema = 'public'): Promise<Record<string, number>> {
  const rows = await t.query(
    `SELECT c.relname AS name, c.relfilenode::int AS file, i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
     WHERE i.indrelid = format('%I.river_job', $1::text)::regclass`,
    [schema],
  );
  return Object.fromEntries(rows.map((r) => [r.name, r.valid ? r.file : -1]));
}

// An invalid index, as an interrupted CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY leaves:
// a concurrent unique build that fails on duplicate kinds.
async function invalidIndex(name: string): Promise<void> {
  await t.query(`INSERT INTO river_job (kind, args) VALUES ('dup', '{}'), ('dup', '{}')`);
  await expect(t.query(`CREATE UNIQUE INDEX CONCURRENTLY ${name} ON river_job (kind)`)).rejects.toThrow(/could not create unique index/);
  await t.query(`DELETE FROM river_job WHERE kind = 'dup'`);
}

describe('reindexer', () => {
  test('rebuilds every index of river_job it knows, skipping the opt-in GIN ones that do not exist', async () => {
    const before = await indexFiles();
    const result = await reindexer().runOnce();
    expect(result).toEqual({ reindexed: [...BUILT_IN].sort(), dropped: [], failed: [] });
    const after = await indexFiles();
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const name of BUILT_IN) expect(after[name], name).not.toBe(before[name]);
    for (const name of BUILT_IN) expect(after[name], name).toBeGreaterThan(0);
  });

  test('first drops the invalid leftovers of an interrupted rebuild, and leaves other indexes alone', async () => {
    await invalidIndex('river_job_kind_ccnew');
    await invalidIndex('river_job_unique_idx_ccold1');
    await invalidIndex('my_own_index_ccnew');
    const result = await reindexer().runOnce();
    expect(result.dropped.sort()).toEqual(['river_job_kind_ccnew', 'river_job_unique_idx_ccold1']);
    expect(result.reindexed).toContain('river_job_kind');
    const after = await indexFiles();
    expect(after).not.toHaveProperty('river_job_kind_ccnew');
    expect(after).not.toHaveProperty('river_job_unique_idx_ccold1');
    expect(after).toHaveProperty('my_own_index_ccnew', -1);
    await t.query('DROP INDEX my_own_index_ccnew');
  });

  test('a rebuild that times out is reported, and the next pass drops what it left and rebuilds', async () => {
    // An open writing transaction makes REINDEX CONCURRENTLY wait after it has made its new copy.
    const writer = await t.pool.connect();
    let first;
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO river_job (kind, args) VALUES ('w', '{}')`);
      first = await reindexer({ indexes: ['river_job_kind'], timeout: 300 }).runOnce();
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
    expect(first.reindexed).toEqual([]);
    expect(first.failed).toContain('river_job_kind');
    expect(await indexFiles()).toHaveProperty('river_job_kind_ccnew', -1);

    const second = await reindexer({ indexes: ['river_job_kind'] }).runOnce();
    expect(second).toEqual({ reindexed: ['river_job_kind'], dropped: ['river_job_kind_ccnew'], failed: [] });
    expect(Object.keys(await indexFiles())).not.toContain('river_job_kind_ccnew');
  });

  test('stop() cancels a rebuild under way instead of waiting for it', async () => {
    const writer = await t.pool.connect();
    const service = reindexer({ indexes: ['river_job_kind'], timeout: 60_000 });
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO river_job (kind, args) VALUES ('w', '{}')`);
      const pass = service.runOnce();
      await waitFor(async () => (await t.query(`SELECT 1 FROM pg_stat_activity WHERE query LIKE 'REINDEX INDEX CONCURRENTLY%' AND wait_event_type = 'Lock'`)).length > 0, { message: 'the reindex to wait' });
      const started = Date.now();
      await service.stop();
      expect(Date.now() - started).toBeLessThan(5000);
      expect((await pass).failed).toEqual(['river_job_kind']);
    } finally {
      await writer.query('ROLLBACK');
      writer.release();
    }
    expect((await reindexer({ indexes: ['river_job_kind'] }).runOnce()).dropped).toEqual(['river_job_kind_ccnew']);
  });

  test('rebuilds the indexes of a named Postgres schema, GIN ones included, and not those of public', async () => {
    await migrate({ pool: t.pool, schema: 'reindexed' });
    await t.query('CREATE INDEX river_job_args_index ON reindexed.river_job USING gin (args)');
    const publicBefore = await indexFiles();
    const before = await indexFiles('reindexed');
    const result = await reindexer({ schema: 'reindexed' }).runOnce();
    expect(result.reindexed).toEqual(['river_job_args_index', ...BUILT_IN].sort());
    const after = await indexFiles('reindexed');
    for (const name of result.reindexed) expect(after[name], name).not.toBe(before[name]);
    expect(await indexFiles()).toEqual(publicBefore);
  });

  test('start() runs passes on its schedule until stop()', async () => {
    const before = await indexFiles();
    const passes: string[] = [];
    const logger = { ...quietLogger, info: (message: string) => passes.push(message) };
    const service = reindexer({ indexes: ['river_job_kind'], schedule: everySchedule(50), logger });
    service.start();
    try {
      await waitFor(() => passes.length >= 2, { message: 'two scheduled passes' });
    } finally {
      await service.stop();
    }
    expect(passes[0]).toBe('reindexed river_job_kind');
    expect((await indexFiles()).river_job_kind).not.toBe(before.river_job_kind);
  });

  test('validates reindex when the client is made; false disables it', () => {
    expect(() => new Client({ reindex: { schedule: 'every day' } })).toThrow(/reindex\.schedule: must be a cron expression/);
    expect(() => new Client({ reindex: { timeout: 0 } })).toThrow('reindex.timeout: must be a whole number of ms >= 1, got 0');
    expect(() => new Client({ reindex: { shedule: '@daily' } as never })).toThrow(/reindex\.shedule: is not a reindex option; did you mean "schedule"\?/);
    expect(() => new Client({ reindex: true as never })).toThrow(/reindex: must be \{ schedule\?, timeout\? \} or false/);
    expect(resolveClientConfig({ reindex: false }).reindex).toBe(false);
    const resolved = resolveClientConfig({ reindex: { schedule: '0 3 * * *' } }).reindex;
    expect(resolved && resolved.timeout).toBe(60_000);
    expect(resolved && resolved.schedule.next(new Date('2030-01-01T12:00:00Z'))).toEqual(new Date('2030-01-02T03:00:00Z'));
    const daily = resolveClientConfig({}).reindex;
    expect(daily && daily.schedule.next(new Date('2030-01-01T12:00:00Z'))).toEqual(new Date('2030-01-02T00:00:00Z'));
  });
});
