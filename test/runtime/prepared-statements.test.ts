// The preparedStatements option: the fetch statement goes to a node-postgres pool as a named
// statement by default, and as plain text when turned off or through another pool. The complete
// statement is never prepared (its generic plan scanned dead index entries on a big table).
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { Client, work, type ClientConfig, type PgPool } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { startClient } from '../support/runtime.js';
import { isFetch } from '../support/fetch-spy.js';
import { createTestDatabase } from '../support/test-database.js';
import { waitFor } from '../support/wait.js';

const t = await createTestDatabase();
const inserter = new Client();

/** A pg.Pool that records the statement name (or none) of every fetch and complete it runs. */
class RecordingPool extends pg.Pool {
  readonly names: string[] = [];

  override query(...args: any[]): any {
    const [first] = args;
    const text: string = typeof first === 'string' ? first : first.text;
    const kind = isFetch(text) ? 'fetch' : text.includes("SET state = 'completed'") ? 'complete' : undefined;
    if (kind) this.names.push(`${kind} ${typeof first === 'string' ? '-' : first.name}`);
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

test('by default the fetch is a named prepared statement, one name per text; the complete is plain text', async () => {
  const pool = recordingPool();
  await drain('prepared', pool);
  const fetches = pool.names.filter((n) => n.startsWith('fetch'));
  expect(fetches.length).toBeGreaterThan(0);
  expect(fetches.every((name) => /^fetch tributary_fetch_[0-9a-f]{16}$/.test(name))).toBe(true);
  expect(new Set(fetches).size).toBe(1);
  expect(pool.names).toContain('complete -');
  expect(pool.names.filter((n) => n.startsWith('complete')).every((n) => n === 'complete -')).toBe(true);
});

test('preparedStatements: false sends plain text, and jobs are worked as before', async () => {
  const pool = recordingPool();
  await drain('unprepared', pool, { preparedStatements: false });
  expect(pool.names.length).toBeGreaterThan(0);
  expect(pool.names.every((name) => name.endsWith(' -'))).toBe(true);
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
