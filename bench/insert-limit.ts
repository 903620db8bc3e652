/**
 * The insert limit: what Postgres takes when rows need no client at all. pgbench runs
 * `INSERT ... SELECT` of `batch` rows built on the server from generate_series into a migrated,
 * empty `river_job` (every River index in place), the same rows the bulk insert phase writes
 * (`{"i": n}` args, kind `noop`, the default queue, available now). Tributary's bulk insert is
 * then measured right after on a fresh database, so the two share the machine's mood.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchSettings } from './contender.js';
import { createDatabase, dropDatabase } from './database.js';
import { countRows, findPgbench, pgbenchSeconds, pgEnv, run, type LimitRun } from './limit.js';
import { tributaryContender } from './tributary.js';

export interface InsertLimitResult {
  /** Rows per pgbench transaction, the bulk insert's batch. */
  batch: number;
  /** The sweep over connection counts; one connection is what one stream of `insertMany` calls has. */
  runs: LimitRun[];
  /** The best of the sweep. */
  jobsPerSec: number;
  clients: number;
  /** Tributary's bulk insert (batches of `batch`, one after another) right after. */
  insertPerSec: number;
}

/** One pgbench transaction: `batch` rows shaped as the bench's jobs. */
export function insertScript(batch: number): string {
  return `INSERT INTO river_job (args, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags)
SELECT jsonb_build_object('i', g), 'noop', 25, '{}', 1, 'default', now(), 'available', '{}'
FROM generate_series(1, ${batch}) AS g;
`;
}

async function withFreshDatabase<T>(serverUrl: string, settings: BenchSettings, work: (url: string) => Promise<T>): Promise<T> {
  const database = 'tributary_bench_insert_limit';
  const url = await createDatabase(serverUrl, database);
  try {
    // Migrated exactly as Tributary migrates, with nothing inserted.
    await (await tributaryContender(url, settings)).close();
    return await work(url);
  } finally {
    await dropDatabase(serverUrl, database);
  }
}

async function pgbenchInserts(serverUrl: string, pgbench: string, settings: BenchSettings, clients: number, scriptFile: string): Promise<number> {
  return withFreshDatabase(serverUrl, settings, async (url) => {
    const transactions = Math.max(1, Math.floor(settings.jobs / (clients * settings.batch)));
    const args = ['-n', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-t', String(transactions), '-f', scriptFile];
    const seconds = pgbenchSeconds(await run(pgbench, args, pgEnv(url)));
    return (await countRows(url, 'SELECT count(*) AS n FROM river_job')) / seconds;
  });
}

async function tributaryInserts(serverUrl: string, settings: BenchSettings): Promise<number> {
  return withFreshDatabase(serverUrl, settings, async (url) => {
    const contender = await tributaryContender(url, settings);
    try {
      const started = performance.now();
      for (let from = 0; from < settings.jobs; from += settings.batch) await contender.insertBatch(from, Math.min(settings.batch, settings.jobs - from));
      return settings.jobs / ((performance.now() - started) / 1000);
    } finally {
      await contender.close();
    }
  });
}

/**
 * pgbench's inserts with each connection count, then at the best count again and Tributary's bulk
 * insert back to back. Returns the figures, or a sentence saying why there are none.
 */
export async function measureInsertLimit(
  serverUrl: string, settings: BenchSettings, clientCounts: number[], log: (line: string) => void,
): Promise<InsertLimitResult | string> {
  const pgbench = findPgbench(log);
  if (!pgbench) return 'pgbench unavailable: insert limit not measured (apt-get install postgresql-client provides it)';
  const dir = await mkdtemp(join(tmpdir(), 'tributary-pgbench-'));
  try {
    const scriptFile = join(dir, 'insert.sql');
    await writeFile(scriptFile, insertScript(settings.batch));
    const runs: LimitRun[] = [];
    for (const clients of clientCounts) {
      const jobsPerSec = await pgbenchInserts(serverUrl, pgbench, settings, clients, scriptFile);
      runs.push({ clients, jobsPerSec });
      log(`  pgbench, ${clients} client(s), INSERT ... SELECT of ${settings.batch} rows per transaction: ${Math.round(jobsPerSec)} jobs/s`);
    }
    const best = runs.reduce((a, b) => (b.jobsPerSec > a.jobsPerSec ? b : a));
    const jobsPerSec = await pgbenchInserts(serverUrl, pgbench, settings, best.clients, scriptFile);
    const insertPerSec = await tributaryInserts(serverUrl, settings);
    log(`  back to back: pgbench inserts at ${best.clients} client(s) ${Math.round(jobsPerSec)} jobs/s, then Tributary's bulk insert ${Math.round(insertPerSec)} jobs/s`);
    return { batch: settings.batch, runs, jobsPerSec, clients: best.clients, insertPerSec };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
