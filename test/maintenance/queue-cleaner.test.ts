import { beforeEach, describe, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { resolveClientConfig } from '../../src/client-config.js';
import { QueueCleaner } from '../../src/maintenance/queue-cleaner.js';
import { migrate } from '../../src/migrate/migrate.js';
import { QUEUE_REFRESH_INTERVAL_MS } from '../../src/runtime/producer.js';
import { noop } from '../support/jobs.js';
import { quietLogger, startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();
const T0 = new Date('2030-01-01T00:00:00Z');
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function queue(name: string, updatedAt: Date | string, schema = 'public'): Promise<void> {
  await t.query(`INSERT INTO ${schema}.river_queue (name, updated_at) VALUES ($1, $2::timestamptz)`, [name, updatedAt]);
}
const names = async (schema = 'public') => (await t.query(`SELECT name FROM ${schema}.river_queue ORDER BY name`)).map((r) => r.name);
const cleaner = (opts: Partial<ConstructorParameters<typeof QueueCleaner>[0]> = {}) =>
  new QueueCleaner({ pool: t.pool, schema: undefined, logger: quietLogger, retention: DAY, ...opts });

beforeEach(async () => {
  await t.query('DELETE FROM river_queue');
});

describe('queue cleaner', () => {
  test('deletes queues not refreshed for 24 h, by the injected clock', async () => {
    await queue('old', T0);
    await queue('recent', new Date(T0.getTime() + 2 * HOUR));
    expect(await cleaner({ now: () => new Date(T0.getTime() + 23 * HOUR) }).runOnce()).toBe(0);
    expect(await cleaner({ now: () => new Date(T0.getTime() + 25 * HOUR) }).runOnce()).toBe(1);
    expect(await names()).toEqual(['recent']);
  });

  test("without a test clock, compares against the database's now(); a running client's queue stays", async () => {
    // The client keeps queues forever itself: elected leader, its own queue cleaner would run a
    // pass at once and could delete the stale queue before the one under test looks.
    await startClient(t, { queueRetention: -1, queues: { live: { maxWorkers: 1 } }, workers: [work(noop, () => {})] });
    await queue('stale', (await t.query(`SELECT now() - interval '25 hours' AS at`))[0]!.at);
    await queue('idle_an_hour', (await t.query(`SELECT now() - interval '1 hour' AS at`))[0]!.at);
    expect(await cleaner().runOnce()).toBe(1);
    expect(await names()).toEqual(['idle_an_hour', 'live']);
  });

  test('a running client refreshes its queue far more often than the shortest queueRetention allows', () => {
    expect(() => new Client({ queueRetention: 2 * QUEUE_REFRESH_INTERVAL_MS })).not.toThrow();
    expect(() => new Client({ queueRetention: 2 * QUEUE_REFRESH_INTERVAL_MS - 1 })).toThrow(/queueRetention: must be a whole number of ms >= 60000, or -1 to keep forever/);
  });

  test('skips a queue whose row a producer is refreshing right now', async () => {
    await queue('refreshing', T0);
    await queue('gone', T0);
    const producer = await t.pool.connect();
    try {
      await producer.query('BEGIN');
      await producer.query(`UPDATE river_queue SET updated_at = now() WHERE name = 'refreshing'`);
      expect(await cleaner({ now: () => new Date(T0.getTime() + 2 * DAY) }).runOnce()).toBe(1);
      await producer.query('COMMIT');
    } finally {
      producer.release();
    }
    expect(await names()).toEqual(['refreshing']);
  });

  test('deletes in batches, and -1 keeps every queue', async () => {
    for (let i = 0; i < 25; i++) await queue(`q${String(i).padStart(2, '0')}`, T0);
    const later = () => new Date(T0.getTime() + 365 * DAY);
    expect(await cleaner({ retention: -1, now: later }).runOnce()).toBe(0);
    expect(await names()).toHaveLength(25);
    expect(await cleaner({ batchSize: 10, now: later }).runOnce()).toBe(25);
    expect(await names()).toEqual([]);
  });

  test('cleans river_queue of a named Postgres schema', async () => {
    await migrate({ pool: t.pool, schema: 'queue_cleaner' });
    await queue('named', T0, 'queue_cleaner');
    await queue('public_one', T0);
    expect(await cleaner({ schema: 'queue_cleaner', now: () => new Date(T0.getTime() + 2 * DAY) }).runOnce()).toBe(1);
    expect(await names('queue_cleaner')).toEqual([]);
    expect(await names()).toEqual(['public_one']);
  });

  test('validates queueRetention when the client is made, and defaults it to 24 h', () => {
    expect(() => new Client({ queueRetention: 0 })).toThrow(/queueRetention: must be a whole number of ms >= 60000, or -1 to keep forever, got 0/);
    expect(() => new Client({ queueRetention: 'day' as never })).toThrow(/queueRetention/);
    expect(resolveClientConfig({}).queueRetention).toBe(DAY);
    expect(resolveClientConfig({ queueRetention: -1 }).queueRetention).toBe(-1);
  });
});
