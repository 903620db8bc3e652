// No job runs before start() resolves, so a listener added right after `await client.start()`
// hears about every job. The prepared-statements tests used to lose all their events this way:
// the producers fetched before the leader election, and five no-op jobs were completed while the
// election's query was in flight.
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { Client, work } from '../../src/index.js';
import { noop } from '../support/jobs.js';
import { nextEvent, quietLogger } from '../support/runtime.js';
import { isFetch } from '../support/fetch-spy.js';
import { createTestDatabase } from '../support/test-database.js';

const t = await createTestDatabase();

/** A pool that notes, when the first leader election is sent, how many fetches were sent before it. */
class ElectionWatchingPool extends pg.Pool {
  fetchesSent = 0;
  fetchesBeforeElection: number | undefined;

  override query(...args: any[]): any {
    const [first] = args;
    const text: string = typeof first === 'string' ? first : first.text;
    if (isFetch(text)) this.fetchesSent++;
    if (text.includes('river_leader') && text.startsWith('INSERT')) this.fetchesBeforeElection ??= this.fetchesSent;
    return (super.query as (...a: any[]) => any)(...args);
  }
}

const pool = new ElectionWatchingPool({ connectionString: t.url, max: 5 });
pool.on('error', () => {});
afterAll(() => pool.end());

test('no fetch is sent before the election, and a listener added after start() sees the first jobs', async () => {
  const { job } = await new Client().insert(t.db, noop, { n: 1 });
  const client = new Client({ pool, logger: quietLogger, queues: { default: { maxWorkers: 2 } }, workers: [work(noop, () => {})] });
  try {
    await client.start();
    const completed = nextEvent(client, 'job_completed', job.id, 10_000);
    expect(pool.fetchesBeforeElection).toBe(0);
    expect((await completed).job.state).toBe('completed');
  } finally {
    await client.stop();
  }
});
