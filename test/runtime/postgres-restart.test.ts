import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Client, migrate, work } from '../../src/index.js';
import { startLocalPostgres, type RestartablePostgres } from '../../tools/local-postgres.js';
import { noop } from '../support/jobs.js';
import { waitFor } from '../support/wait.js';

// This file restarts Postgres, so it has a server of its own rather than the shared one.
let server: RestartablePostgres;
beforeAll(async () => {
  server = await startLocalPostgres({ restartable: true, settings: { fsync: 'off' } });
}, 60_000);
afterAll(() => server?.stop());

const JOBS = 200;
/** The job with this `n` is still running when the server goes down, so its outcome must wait. */
const STRADDLER = 0;

async function createDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  await migrate({ databaseUrl: url.toString() });
  return url.toString();
}

test('a Postgres restart mid-drain loses no job and runs none twice', { timeout: 60_000 }, async () => {
  const url = await createDatabase('restart_app');
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => {}); // idle connections die with the server
  const testPool = new pg.Pool({ connectionString: url, max: 2 });
  testPool.on('error', () => {});
  const log: string[] = [];
  const record = (message: string) => void log.push(message);
  const ran: number[] = [];
  let serverDown!: () => void;
  const down = new Promise<void>((resolve) => (serverDown = resolve));
  const client = new Client({
    pool,
    logger: { debug() {}, info: record, warn: record, error: record },
    fetchCooldown: 5,
    fetchPollInterval: 100,
    // Few workers, so the drain takes long enough to be cut in the middle.
    queues: { default: { maxWorkers: 2 } },
    workers: [
      work(noop, async (job) => {
        ran.push(job.id);
        if (job.args.n === STRADDLER) await down;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }),
    ],
  });
  const count = async (where: string) => Number((await testPool.query(`SELECT count(*) AS n FROM river_job WHERE ${where}`)).rows[0].n);
  const seen = (text: string, times = 1) => log.filter((m) => m.includes(text)).length >= times;
  let ranBeforeRestart = 0;
  try {
    await client.start();
    await new Client().insertMany(drizzle(testPool), Array.from({ length: JOBS }, (_, n) => ({ job: noop, args: { n } })));
    await waitFor(() => ran.length >= 30, { message: '30 jobs run' });

    await server.stopServer();
    ranBeforeRestart = ran.length;
    serverDown();
    // Down long enough for every part to fail: two polls, the straddler's outcome, the LISTEN.
    await waitFor(() => seen('fetch failed', 2) && seen('completer: writing') && seen('LISTEN connection lost'), {
      message: 'fetches, the completer and the notifier to fail',
    });
    await server.startServer();

    await waitFor(async () => (await count(`state = 'completed'`)) === JOBS, { timeoutMs: 45_000, intervalMs: 100, message: `${JOBS} completed jobs` });
    // The notifier is back: a LISTEN backend on the restarted server.
    await waitFor(async () => (await testPool.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'`)).rowCount === 1, {
      timeoutMs: 15_000,
      message: 'a LISTEN backend after the restart',
    });

    expect(ranBeforeRestart).toBeLessThan(JOBS);
    expect(ran).toHaveLength(JOBS);
    expect(new Set(ran).size).toBe(JOBS);
    const { rows } = await testPool.query(`SELECT state::text, attempt, count(*)::int AS n FROM river_job GROUP BY 1, 2`);
    expect(rows).toEqual([{ state: 'completed', attempt: 1, n: JOBS }]);
    expect(seen('LISTEN connection restored')).toBe(true);
  } finally {
    serverDown();
    await client.stop();
    await pool.end();
    await testPool.end();
  }
});

test('completeTx in a Drizzle transaction across a restart: the process lives, one effect per job', { timeout: 60_000 }, async () => {
  const url = await createDatabase('restart_tx_app');
  // The application's pool, shared by its Drizzle handle and the client, with no listener of its own.
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  const db = drizzle(pool);
  const testPool = new pg.Pool({ connectionString: url, max: 2 });
  testPool.on('error', () => {});
  await testPool.query(`CREATE TABLE effects (job_id bigint, attempt int)`);
  const log: string[] = [];
  const record = (message: string) => void log.push(message);
  let serverDown!: () => void;
  const down = new Promise<void>((resolve) => (serverDown = resolve));
  const client = new Client({
    pool,
    logger: { debug() {}, info: record, warn: record, error: record },
    fetchCooldown: 5,
    fetchPollInterval: 100,
    queues: { default: { maxWorkers: 4 } },
    workers: [
      work(noop, async (job, ctx) => {
        await db.transaction(async (tx) => {
          await tx.execute(sql`INSERT INTO effects VALUES (${job.id}, ${job.attempt})`);
          // Holds its transaction open, on a checked-out connection, while the server goes down.
          if (job.args.n === STRADDLER && job.attempt === 1) await down;
          await ctx.client.completeTx(tx, job);
        });
      }, { nextRetry: () => 0 }),
    ],
  });
  const count = async (text: string) => Number((await testPool.query(text)).rows[0].n);
  try {
    await client.start();
    await new Client().insertMany(drizzle(testPool), Array.from({ length: JOBS }, (_, n) => ({ job: noop, args: { n } })));
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM effects`)) >= 30, { message: '30 effects' });
    await server.stopServer();
    serverDown();
    await waitFor(() => log.some((m) => m.includes('fetch failed')), { message: 'a fetch to fail' });
    await server.startServer();
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM river_job WHERE state = 'completed'`)) === JOBS, {
      timeoutMs: 45_000, intervalMs: 100, message: `${JOBS} completed jobs`,
    });
    // Exactly one committed effect per job: a transaction cut by the restart rolled back.
    expect(await count(`SELECT count(*) AS n FROM (SELECT job_id FROM effects GROUP BY job_id HAVING count(*) = 1) AS once`)).toBe(JOBS);
    expect(await count(`SELECT count(*) AS n FROM effects`)).toBe(JOBS);
    expect(client.faults.connectionErrors).toBeGreaterThan(0);
  } finally {
    serverDown();
    await client.stop();
    await pool.end();
    await testPool.end();
  }
});
