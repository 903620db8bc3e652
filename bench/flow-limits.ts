/**
 * The limits phase (issue 14): concurrency and rate limits across 3 client processes
 * (bench/flow-limits-child.ts), each run on a fresh database with its backlog inserted before the
 * clients start:
 * - globalLimit 3, 50 ms jobs: the most jobs running at once (from the start and end times each
 *   job recorded), and the utilization while a backlog exists (busy time / (3 x wall time), from
 *   the first start to the last);
 * - the same partitioned by args (3 partitions, globalLimit 1 each);
 * - rateLimit { limit: 20, period: 1000 }, no-op jobs: the most starts in any 1 s window, and
 *   the backlog's start rate (after the first window's burst);
 * - no-op jobs drained by an unlimited queue and by one whose globalLimit is above the workers.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, defineJob, migrate, type QueueConfig } from 'tributary-queue';
import * as v from 'valibot';
import { createDatabase, dropDatabase } from './database.js';
import type { LimitsChildMessage, LimitsRun } from './flow-limits-child.js';

export interface FlowLimitsResult {
  processes: number;
  global: { limit: number; jobs: number; jobMs: number; maxRunning: number; utilization: number };
  partitioned: { partitions: number; limitEach: number; jobs: number; jobMs: number; maxRunningPerPartition: number; maxRunning: number; utilization: number };
  rate: { limit: number; periodMs: number; jobs: number; maxStartsPerWindow: number; maxTakenPerWindow: number; startsPerSec: number };
  drain: { jobs: number; maxWorkers: number; globalLimit: number; unlimitedPerSec: number; limitedPerSec: number; ratio: number };
}

const PROCESSES = 3;
const CHILD = fileURLToPath(new URL('./flow-limits-child.ts', import.meta.url));
const timed = defineJob({ kind: 'timed', args: v.object({ ms: v.number(), p: v.optional(v.string()) }) });

/** The most intervals open at once; ends sort before starts at the same instant. */
export function maxOverlap(runs: readonly { start: number; end: number }[]): number {
  const edges = runs.flatMap((r) => [[r.start, 1], [r.end, -1]] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (open += d));
  return max;
}

/** Busy time inside [first start, last start] (the backlog's span) over `slots` x that span. */
function utilization(runs: readonly LimitsRun[], slots: number): number {
  const from = Math.min(...runs.map((r) => r.start));
  const to = Math.max(...runs.map((r) => r.start));
  const busy = runs.reduce((sum, r) => sum + Math.max(0, Math.min(r.end, to) - Math.max(r.start, from)), 0);
  return busy / (slots * (to - from));
}

/** The most of `times` (sorted or not) inside any window (t - period, t]. */
function maxInWindow(times: readonly number[], period: number): number {
  const sorted = [...times].sort((a, b) => a - b);
  let max = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! <= sorted[i]! - period) j++;
    max = Math.max(max, i - j + 1);
  }
  return max;
}

/** Inserts `jobs` jobs, runs them in 3 child processes with `queue`, and returns every run and the rows' attempted_at (ms). */
export async function runInProcesses(serverUrl: string, queue: QueueConfig, jobs: { ms: number; p?: string }[]): Promise<{ runs: LimitsRun[]; taken: number[] }> {
  const database = 'tributary_bench_limits';
  const url = await createDatabase(serverUrl, database);
  try {
    await migrate({ databaseUrl: url });
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => {});
    try {
      const db = drizzle(pool);
      const client = new Client();
      const insert = (items: { ms: number; p?: string }[]) => client.insertMany(db, items.map((args) => ({ job: timed, args, opts: { queue: 'limited' } })));
      const children = Array.from({ length: PROCESSES }, () =>
        fork(CHILD, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_CHILD_URL: url, BENCH_LIMITS_QUEUE: JSON.stringify(queue) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
      try {
        const messages = children.map((child) => {
          const received: LimitsChildMessage[] = [];
          child.on('message', (m: LimitsChildMessage) => void received.push(m));
          return received;
        });
        const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 120_000) => {
          for (const deadline = Date.now() + ms; !(await check()); await new Promise((r) => setTimeout(r, 20))) {
            if (Date.now() > deadline) throw new Error(`limits phase: timed out waiting for ${what}`);
          }
        };
        const completed = async () => Number((await pool.query(`SELECT count(*) AS n FROM river_job WHERE state = 'completed'`)).rows[0].n);
        await until(() => messages.every((m) => m.some((x) => x.type === 'ready')), 'the client processes to be ready');
        for (const child of children) child.send({ type: 'go' });
        // Each process's first jobs wait for code run the first time (handler starts up to 100 ms
        // after their take, which alone put 25 starts of a 20/s limit in one second): the
        // measured backlog is inserted once the processes have warmed up, and after a rate
        // window has passed.
        const warm = await insert(Array.from({ length: 10 * PROCESSES }, () => ({ ms: 0 })));
        await until(async () => (await completed()) === warm.length, 'the warm-up jobs');
        await new Promise((resolve) => setTimeout(resolve, 1100));
        const firstId = Math.max(...warm.map((w) => w.job.id)) + 1;
        await insert(jobs);
        await until(async () => (await completed()) === warm.length + jobs.length, `${jobs.length} completed jobs`);
        for (const child of children) child.send({ type: 'stop' });
        await until(() => messages.every((m) => m.some((x) => x.type === 'done')), 'the client processes to stop');
        const runs = messages.flatMap((m) => m.flatMap((x) => (x.type === 'done' ? x.runs : []))).filter((r) => r.id >= firstId);
        const taken = (await pool.query(`SELECT extract(epoch FROM attempted_at) * 1000 AS ms FROM river_job WHERE id >= $1`, [firstId])).rows.map((r) => Number(r.ms));
        return { runs, taken };
      } finally {
        for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
      }
    } finally {
      await pool.end();
    }
  } finally {
    await dropDatabase(serverUrl, database);
  }
}

export const drainPerSec = (runs: readonly LimitsRun[]) => (runs.length * 1000) / (Math.max(...runs.map((r) => r.end)) - Math.min(...runs.map((r) => r.start)));

/** Runs the four measurements in turn, logging each. */
export async function measureFlowLimits(serverUrl: string, drainJobs: number, log: (line: string) => void): Promise<FlowLimitsResult> {
  const jobMs = 50;
  const limit = 3;
  const globalJobs = 240;
  const g = await runInProcesses(serverUrl, { maxWorkers: 5, concurrency: { globalLimit: limit } }, Array.from({ length: globalJobs }, () => ({ ms: jobMs })));
  const global = { limit, jobs: globalJobs, jobMs, maxRunning: maxOverlap(g.runs), utilization: utilization(g.runs, limit) };
  log(`  globalLimit ${limit}, ${globalJobs} jobs of ${jobMs} ms: at most ${global.maxRunning} running at once, utilization ${(global.utilization * 100).toFixed(1)}%`);

  const partitions = ['a', 'b', 'c'];
  const p = await runInProcesses(serverUrl, { maxWorkers: 5, concurrency: { globalLimit: 1, partition: { byArgs: ['p'] } } },
    Array.from({ length: globalJobs }, (_, i) => ({ ms: jobMs, p: partitions[i % partitions.length] })));
  const partitioned = {
    partitions: partitions.length, limitEach: 1, jobs: globalJobs, jobMs,
    maxRunningPerPartition: Math.max(...partitions.map((x) => maxOverlap(p.runs.filter((r) => r.partition === x)))),
    maxRunning: maxOverlap(p.runs), utilization: utilization(p.runs, partitions.length),
  };
  log(`  globalLimit 1 per partition, 3 partitions, ${globalJobs} jobs of ${jobMs} ms: at most ${partitioned.maxRunningPerPartition} running per partition, ` +
    `utilization ${(partitioned.utilization * 100).toFixed(1)}%`);

  const rateLimit = { limit: 20, period: 1000 };
  const rateJobs = 100;
  const r = await runInProcesses(serverUrl, { maxWorkers: 5, rateLimit }, Array.from({ length: rateJobs }, () => ({ ms: 0 })));
  const starts = r.runs.map((x) => x.start).sort((a, b) => a - b);
  // After the first window's burst of `limit`, the backlog starts at the limit's pace.
  const rate = {
    ...rateLimit, periodMs: rateLimit.period, jobs: rateJobs,
    maxStartsPerWindow: maxInWindow(starts, rateLimit.period), maxTakenPerWindow: maxInWindow(r.taken, rateLimit.period),
    startsPerSec: ((rateJobs - rateLimit.limit) * 1000) / (starts.at(-1)! - starts[0]!),
  };
  log(`  rateLimit ${rateLimit.limit} per ${rateLimit.period} ms, ${rateJobs} jobs: at most ${rate.maxStartsPerWindow} handler starts ` +
    `(${rate.maxTakenPerWindow} by attempted_at) in any 1 s window, backlog started ${rate.startsPerSec.toFixed(1)} per second`);

  const maxWorkers = 50;
  const globalLimit = PROCESSES * maxWorkers * 10;
  const noop = Array.from({ length: drainJobs }, () => ({ ms: 0 }));
  const unlimitedPerSec = drainPerSec((await runInProcesses(serverUrl, { maxWorkers }, noop)).runs);
  const limitedPerSec = drainPerSec((await runInProcesses(serverUrl, { maxWorkers, concurrency: { globalLimit } }, noop)).runs);
  const drain = { jobs: drainJobs, maxWorkers, globalLimit, unlimitedPerSec, limitedPerSec, ratio: limitedPerSec / unlimitedPerSec };
  log(`  ${drainJobs} no-op jobs, 3 x ${maxWorkers} workers: unlimited ${Math.round(unlimitedPerSec)} jobs/s, globalLimit ${globalLimit} ` +
    `${Math.round(limitedPerSec)} jobs/s (${drain.ratio.toFixed(2)}x)`);
  return { processes: PROCESSES, global, partitioned, rate, drain };
}
