import { randomBytes } from 'node:crypto';
import { Command, Option } from 'commander';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import * as v from 'valibot';
import { Client, type InsertManyItem } from '../client.js';
import { TributaryError } from '../errors.js';
import { defineJob } from '../job.js';
import { migrate } from '../migrate/migrate.js';
import { work } from '../worker.js';
import { databaseUrlOf, databaseUrlOption } from './options.js';
import { positiveInt } from './parse.js';

interface BenchOptions {
  databaseUrl: string;
  jobs: number;
  concurrency: number;
  prefetch: number;
}

const noop = defineJob({ kind: 'tributary_bench_noop', args: v.object({ i: v.number() }) });
/** Jobs per insertMany call, as `npm run bench` inserts them. */
const INSERT_BATCH = 1_000;
/** A drain that completes no job for this long has stalled: fail rather than hang. */
const STALL_MS = 30_000;

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/** Prints `label: done of total (pct%)` on stderr every second until stopped. */
function progress(label: string, total: number, done: () => number): () => void {
  const timer = setInterval(() => console.error(`${label}: ${count(done())} of ${count(total)} jobs (${Math.floor((done() / total) * 100)}%)`), 1_000);
  return () => clearInterval(timer);
}

/** Runs a phase that handles `total` jobs; returns its throughput line. */
async function timed(label: string, total: number, detail: string, phase: (progress: { done: number }) => Promise<void>): Promise<string> {
  const state = { done: 0 };
  const stop = progress(label, total, () => state.done);
  const started = performance.now();
  try {
    await phase(state);
  } finally {
    stop();
  }
  const seconds = (performance.now() - started) / 1_000;
  return `${`${label}:`.padEnd(7)} ${count(total)} jobs in ${seconds.toFixed(2)} s, ${count(total / seconds)} jobs/s (${detail})`;
}

async function insertAll(client: Client, pool: pg.Pool, total: number, state: { done: number }, signal: AbortSignal): Promise<void> {
  const db = drizzle({ client: pool });
  while (state.done < total) {
    signal.throwIfAborted();
    const size = Math.min(INSERT_BATCH, total - state.done);
    const items: InsertManyItem<typeof noop>[] = Array.from({ length: size }, (_, k) => ({ job: noop, args: { i: state.done + k } }));
    await client.insertMany(db, items);
    state.done += size;
  }
}

function drainAll(client: Client, total: number, state: { done: number }, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let lastDone = 0;
    let lastProgressAt = Date.now();
    const watchdog = setInterval(() => {
      if (state.done !== lastDone) [lastDone, lastProgressAt] = [state.done, Date.now()];
      else if (Date.now() - lastProgressAt > STALL_MS) fail(new TributaryError(`drain stalled: no job completed for ${STALL_MS / 1000} s`));
    }, 1_000);
    const fail = (error: unknown) => {
      clearInterval(watchdog);
      reject(error);
    };
    client.on('job_completed', () => {
      if (++state.done < total) return;
      clearInterval(watchdog);
      resolve();
    });
    client.on('job_failed', ({ job, error }) => fail(new TributaryError(`job ${job.id} failed: ${error instanceof Error ? error.message : String(error)}`)));
    signal.addEventListener('abort', () => fail(signal.reason), { once: true });
    client.start().catch(fail);
  });
}

async function bench(opts: BenchOptions): Promise<void> {
  const pool = new pg.Pool({ connectionString: databaseUrlOf(opts), max: 20 });
  pool.on('error', () => {});
  const schema = `tributary_bench_${randomBytes(4).toString('hex')}`;
  const interrupt = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(130); // a second Ctrl-C: leave now
    console.error(`\n${signal}: stopping, then dropping schema ${schema}`);
    interrupt.abort(new TributaryError('bench interrupted'));
  };
  let client: Client | undefined;
  try {
    await pool.query('SELECT 1'); // an unreachable database fails here, before there is anything to drop
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    console.error(`migrating scratch schema ${schema}`);
    await migrate({ databaseUrl: opts.databaseUrl, schema });
    client = new Client({
      pool,
      schema,
      queues: { default: { maxWorkers: opts.concurrency, prefetch: opts.prefetch } },
      workers: [work(noop, () => {})],
    });
    const c = client;
    console.error(`inserting ${count(opts.jobs)} no-op jobs`);
    const inserted = await timed('insert', opts.jobs, `insertMany, batches of ${count(INSERT_BATCH)}`, (s) => insertAll(c, pool, opts.jobs, s, interrupt.signal));
    console.log(inserted);
    console.error(`draining them, ${opts.concurrency} at a time`);
    const drained = await timed('drain', opts.jobs, `maxWorkers ${opts.concurrency}, prefetch ${opts.prefetch}`, (s) => drainAll(c, opts.jobs, s, interrupt.signal));
    console.log(drained);
  } catch (error) {
    if (!interrupt.signal.aborted) throw error;
    process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await client?.stopAndCancel();
    await dropSchema(pool, schema);
    await pool.end();
  }
}

async function dropSchema(pool: pg.Pool, schema: string): Promise<void> {
  try {
    const { rows } = await pool.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [schema]);
    if (rows.length === 0) return;
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
    console.error(`dropped schema ${schema}`);
  } catch (error) {
    console.error(`tributary: could not drop schema ${schema} (drop it yourself): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** `tributary bench`: a quick Tributary-only throughput check in a scratch schema. */
export function benchCommand(): Command {
  return new Command('bench')
    .summary('insert and drain throughput of no-op jobs, in a scratch schema')
    .description(
      'measure insert and drain throughput of no-op jobs on --database-url, in a scratch schema ' +
        '(tributary_bench_<random>) dropped afterwards, also on Ctrl-C. Progress goes to stderr, results to stdout. ' +
        'For the side-by-side comparison with graphile-worker, run `npm run bench` in a clone of the repository.',
    )
    .addOption(new Option('--jobs <n>', 'jobs to insert, then drain').argParser(positiveInt).default(20_000))
    .addOption(new Option('--concurrency <n>', "jobs run at once: the queue's maxWorkers").argParser(positiveInt).default(50))
    .addOption(
      new Option('--prefetch <n>', 'jobs fetched ahead of free workers (npm run bench uses 450)')
        .argParser((value) => (value === '0' ? 0 : positiveInt(value)))
        .default(0),
    )
    .addOption(databaseUrlOption())
    .action(bench);
}
