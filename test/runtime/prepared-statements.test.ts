// The preparedStatements option: the fetch and complete statements go to a node-postgres pool as
// named statements by default, and as plain text when turned off or through another pool.
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { Client, work, type ClientConfig, type PgPool } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { startClient } from '../support/runtime.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();

/** A pg.Pool that records the statement name (or none) of every fetch and complete it runs. */
class RecordingPool extends pg.Pool {
  readonly names: (string | undefined)[] = [];

  override query(...args: any[]): any {
    const [first] = args;
    const text: string = typeof first === 'string' ? first : first.text;
    if (text.includes('FOR UPDATE SKIP LOCKED') || text.includes("SET state = 'completed'")) this.names.push(typeof first === 'string' ? undefined : first.name);
    return (super.query as (...a: any[]) => any)(...args);
  }
}

const pools: pg.Pool[] = [];
afterAll(() => Promise.all(pools.map((p) => p.end())));

/** Works `count` jobs of a queue of its own with `pool`; resolves once all are completed. */
async function drain(queue: string, pool: PgPool, config: Partial<ClientConfig> = {}, count = 5) {
  await inserter.insertMany(t.db, Array.from({ length: count }, (_, n) => ({ job: noop, args: { n }, opts: { queue } })));
  let done = 0;
  const client = await startClient(t, { pool, queues: { [queue]: { maxWorkers: 2 } }, workers: [work(noop, () => {})], ...config });
  client.on('job_completed', () => void done++);
  await waitFor(() => done === count, { message: `${count} jobs of ${queue} completed` });
  const { rows } = await t.pool.query(`SELECT count(*)::int AS n FROM river_job WHERE queue = $1 AND state = 'completed'`, [queue]);
  expect(rows[0].n).toBe(count);
}

function recordingPool(): RecordingPool {
  const pool = new RecordingPool({ connectionString: t.url, max: 5 });
  pool.on('error', () => {});
  pools.push(pool);
  return pool;
}

test('by default, fetch and complete are named prepared statements, one name per text', async () => {
  const pool = recordingPool();
  await drain('prepared', pool);
  expect(pool.names.length).toBeGreaterThan(0);
  expect(pool.names.every((name) => /^tributary_(fetch|complete)_[0-9a-f]{16}$/.test(name ?? ''))).toBe(true);
  expect(new Set(pool.names).size).toBe(2);
});

test('preparedStatements: false sends plain text, and jobs are worked as before', async () => {
  const pool = recordingPool();
  await drain('unprepared', pool, { preparedStatements: false });
  expect(pool.names.length).toBeGreaterThan(0);
  expect(pool.names.every((name) => name === undefined)).toBe(true);
});

test('a pool that is not a pg.Pool gets plain text, as its query may take only text', async () => {
  const texts: unknown[] = [];
  const wrapper: PgPool = {
    query(text, values) {
      texts.push(text);
      return t.pool.query(text, values);
    },
    connect: () => t.pool.connect(),
  };
  await drain('wrapped', wrapper);
  expect(texts.length).toBeGreaterThan(0);
  expect(texts.every((text) => typeof text === 'string')).toBe(true);
});
