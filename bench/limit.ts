/**
 * The "limit" phase: Tributary's own fetch and complete statements run by pgbench, with no Node
 * client in the way, on a queue filled exactly as the drain phase fills it. What Postgres can do
 * with these two statements on this machine bounds what any client running them can drain.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { jobCompleteMany } from '../src/sql/job-complete-many.js';
import { jobGetAvailable } from '../src/sql/job-get-available.js';
import type { BenchSettings } from './contender.js';
import { createDatabase, dropDatabase } from './database.js';
import { aptInstall, findExecutable } from './redis.js';
import { tributaryContender } from './tributary.js';

/** Jobs one pgbench transaction fetches and completes by default: the concurrency, 50. */
export const LIMIT_BATCH = 50;

export interface LimitRun {
  clients: number;
  jobsPerSec: number;
}

export interface LimitResult {
  /** Jobs fetched and completed per pgbench transaction. */
  batch: number;
  /** The limit: pgbench again at the sweep's best client count, right before `drainPerSec`. */
  jobsPerSec: number;
  clients: number;
  /** Tributary's drain measured right after, so the two share the machine's mood. */
  drainPerSec: number;
  /** The sweep over client counts. */
  runs: LimitRun[];
  pgbench: string;
}

/** pgbench's environment for a database URL. */
export function pgEnv(url: string): NodeJS.ProcessEnv {
  const parsed = new URL(url);
  return {
    ...process.env,
    PGHOST: parsed.hostname, PGPORT: parsed.port || '5432', PGUSER: decodeURIComponent(parsed.username),
    PGPASSWORD: decodeURIComponent(parsed.password), PGDATABASE: parsed.pathname.slice(1),
  };
}

/** pgbench's elapsed time for its transactions, in seconds (without connection set-up), or an error with its output. */
export function pgbenchSeconds({ code, out }: { code: number | null; out: string }): number {
  const processed = Number(out.match(/number of transactions actually processed: (\d+)/)?.[1]);
  const tps = Number(out.match(/tps = ([\d.]+) \(without initial connection time\)/)?.[1]);
  if (code !== 0 || !(processed > 0) || !(tps > 0)) throw new Error(`pgbench failed (exit ${code}):\n${out.trim()}`);
  return processed / tps;
}

/** The `n` of a one-row count query, on a connection of its own. */
export async function countRows(url: string, text: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(text);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

/** `$n` placeholders become pgbench variables `:<prefix>n`, sent as parameters of statements prepared once per connection (`-M prepared`), as the runtime prepares them. */
const toPgbench = (text: string, prefix: string) => text.replace(/\$(\d+)/g, `:${prefix}$1`);

/**
 * The pgbench script: one transaction fetches up to `batch` jobs with the runtime's
 * fetch statement and completes them all with the runtime's complete statement, each its own
 * autocommit statement as the runtime sends them. pgbench can only carry values from one
 * statement to the next through `\gset` on a single row, so the fetch is wrapped in a CTE whose
 * outer SELECT gathers the ids and attempts (and the fetched rows' JSON, so it still travels to
 * the client) into one row; finalized_at is the server's now() instead of the client's clock.
 * @returns the script and the `-D` variables of the fetch's parameters.
 */
export function limitScript(batch = LIMIT_BATCH): { script: string; variables: string[] } {
  const fetch = jobGetAvailable({ schema: undefined, queue: 'default', limit: batch, clientId: 'pgbench' });
  const complete = jobCompleteMany({ schema: undefined, ids: [], attempts: [], finalizedAt: [] });
  if (complete.values.length !== 3) throw new Error(`jobCompleteMany takes ${complete.values.length} parameters now, the limit script expects 3`);
  const script = [
    `WITH fetched AS (\n${toPgbench(fetch.text, 'f')}\n)`,
    `SELECT coalesce(array_agg((job::jsonb->>'id')::bigint), '{}') AS c1,`,
    `  coalesce(array_agg((job::jsonb->>'attempt')::smallint), '{}') AS c2,`,
    `  coalesce(array_agg(now()), '{}') AS c3,`,
    `  string_agg(job, ',') AS rows_fetched`,
    `FROM fetched`,
    `\\gset`,
    `${toPgbench(complete.text, 'c')};`,
    '',
  ].join('\n');
  const variables = fetch.values.map((value, k) => `f${k + 1}=${String(value)}`);
  return { script, variables };
}

/** pgbench on PATH, or installed from Debian's postgresql-client (which ships it) when missing. */
export function findPgbench(log: (line: string) => void): string | undefined {
  let binary = findExecutable('pgbench');
  if (!binary) {
    log('  pgbench not found: installing Debian\'s postgresql-client package');
    const error = aptInstall(['postgresql-client'], log);
    binary = findExecutable('pgbench');
    if (!binary && error) log(`  ${error}`);
  }
  return binary;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * Fills a fresh database with `settings.jobs` jobs through Tributary's insertMany, runs pgbench
 * with `clients` connections, each running just enough transactions to never find the queue
 * empty, and counts the jobs completed: jobs/s over pgbench's own elapsed time (without
 * connection set-up). One fresh database per run, so no run works on another's dead rows.
 */
async function runOnce(
  serverUrl: string, pgbench: string, settings: BenchSettings, clients: number, batch: number, scriptFile: string, variables: string[],
): Promise<number> {
  const database = 'tributary_bench_limit';
  const url = await createDatabase(serverUrl, database);
  try {
    const filler = await tributaryContender(url, settings);
    try {
      for (let from = 0; from < settings.jobs; from += settings.batch) await filler.insertBatch(from, Math.min(settings.batch, settings.jobs - from));
    } finally {
      await filler.close();
    }
    const transactions = Math.floor(settings.jobs / (clients * batch));
    if (transactions < 1) throw new Error(`--jobs ${settings.jobs} is too few for ${clients} pgbench clients`);
    const env = pgEnv(url);
    const args = ['-n', '-M', 'prepared', '-c', String(clients), '-j', String(Math.min(clients, 2)), '-t', String(transactions),
      '-f', scriptFile, ...variables.flatMap((v) => ['-D', v])];
    const seconds = pgbenchSeconds(await run(pgbench, args, env));
    return (await countRows(url, `SELECT count(*) AS n FROM river_job WHERE state = 'completed'`)) / seconds;
  } finally {
    await dropDatabase(serverUrl, database);
  }
}

/**
 * Runs pgbench for each client count, then, back to back on a machine whose load comes and goes,
 * pgbench again at the best count and `drain()` (Tributary's drain phase): their ratio is the
 * figure to read.
 * @returns the figures, or a sentence saying why there are none (no pgbench).
 */
export async function measureLimit(
  serverUrl: string, settings: BenchSettings, clientCounts: number[], batch: number, log: (line: string) => void, drain: () => Promise<number>,
): Promise<LimitResult | string> {
  const pgbench = findPgbench(log);
  if (!pgbench) return 'pgbench unavailable: limit not measured (apt-get install postgresql-client provides it)';
  const version = (await run(pgbench, ['--version'], process.env)).out.trim();
  const dir = await mkdtemp(join(tmpdir(), 'tributary-pgbench-'));
  try {
    const { script, variables } = limitScript(batch);
    const scriptFile = join(dir, 'fetch-complete.sql');
    await writeFile(scriptFile, script);
    const runs: LimitRun[] = [];
    for (const clients of clientCounts) {
      const jobsPerSec = await runOnce(serverUrl, pgbench, settings, clients, batch, scriptFile, variables);
      runs.push({ clients, jobsPerSec });
      log(`  pgbench, ${clients} client(s), fetch ${batch} + complete ${batch} per transaction: ${Math.round(jobsPerSec)} jobs/s`);
    }
    const best = runs.reduce((a, b) => (b.jobsPerSec > a.jobsPerSec ? b : a));
    const jobsPerSec = await runOnce(serverUrl, pgbench, settings, best.clients, batch, scriptFile, variables);
    const drainPerSec = await drain();
    log(`  back to back: pgbench at ${best.clients} client(s) ${Math.round(jobsPerSec)} jobs/s, then Tributary's drain ${Math.round(drainPerSec)} jobs/s`);
    return { batch, jobsPerSec, clients: best.clients, drainPerSec, runs, pgbench: version };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
