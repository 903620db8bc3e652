/**
 * The sequences phase (issue 14): 1,000 sequence keys x 10 jobs drained by 2 Tributary client
 * processes, checked for order and overlap from the times each job recorded, and timed against
 * the unlimited drain of as many jobs by the same 2 processes on the same database, measured
 * just before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, migrate } from 'tributary-queue';
import type { BenchSettings } from './contender.js';
import { createDatabase, dropDatabase } from './database.js';
import { compileChild } from './scale.js';
import { seqBench, type RecordedRun, type SequenceChildMessage } from './sequence-child.js';
import { perSecond } from './stats.js';

export interface SequencesResult {
  keys: number;
  perKey: number;
  processes: number;
  /** The sequenced drain. */
  jobsPerSec: number;
  /** The same number of jobs, in no sequence, drained by the same processes just before. */
  unlimitedPerSec: number;
  /** Two jobs of one key running at once, or a key's jobs starting out of id order: each a sentence; empty when none. */
  problems: string[];
}

/** The phase's sizes: issue 14's. */
export const SEQUENCE_KEYS = 1_000;
export const SEQUENCE_JOBS_PER_KEY = 10;
export const SEQUENCE_PROCESSES = 2;

/** Order and overlap problems in recorded runs, at most 10 described. */
export function runProblems(runs: readonly RecordedRun[]): string[] {
  const byKey = new Map<string, RecordedRun[]>();
  for (const run of runs) {
    const list = byKey.get(run[1]);
    if (list) list.push(run);
    else byKey.set(run[1], [run]);
  }
  const problems: string[] = [];
  for (const [key, list] of byKey) {
    list.sort((a, b) => a[2] - b[2]);
    for (let i = 1; i < list.length; i++) {
      const [before, after] = [list[i - 1]!, list[i]!];
      if (after[2] < before[3]) problems.push(`${key}: job ${after[0]} started ${(before[3] - after[2]).toFixed(2)} ms before job ${before[0]} ended`);
      if (after[0] < before[0]) problems.push(`${key}: job ${after[0]} ran after job ${before[0]}`);
    }
  }
  return problems;
}

/** Runs `processes` children on `url` until `jobs` jobs completed; returns every run recorded and the drain's jobs/s. */
async function drainWith(url: string, script: string, processes: number, jobs: number, concurrency: number): Promise<{ runs: RecordedRun[]; jobsPerSec: number }> {
  const children: ChildProcess[] = [];
  const latest = new Map<ChildProcess, SequenceChildMessage>();
  try {
    let ready = 0;
    let onReady!: () => void;
    let onDone!: () => void;
    let onFailure!: (error: Error) => void;
    const allReady = new Promise<void>((resolve) => (onReady = resolve));
    const allDone = new Promise<void>((resolve) => (onDone = resolve));
    const failed = new Promise<never>((_, reject) => (onFailure = reject));
    failed.catch(() => {});
    let finished = 0;
    let stopping = false;
    const env = { ...process.env, BENCH_CHILD_URL: url, BENCH_CHILD_CONCURRENCY: String(concurrency) };
    for (let p = 0; p < processes; p++) {
      const child = spawn(process.execPath, [script], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env });
      children.push(child);
      child.on('exit', (code) => setTimeout(() => {
        if (latest.get(child)?.type !== 'done') onFailure(new Error(`sequence client process exited with code ${code} before finishing`));
      }, 2000));
      child.on('message', (message: SequenceChildMessage) => {
        if (message.type === 'ready') return void (++ready === processes && onReady());
        latest.set(child, message);
        if (message.type === 'done' && ++finished === processes) onDone();
        const total = [...latest.values()].reduce((sum, m) => sum + (m.type === 'ready' ? 0 : m.completed), 0);
        if (total >= jobs && !stopping) {
          stopping = true;
          for (const c of children) c.send({ type: 'stop' });
        }
      });
    }
    await Promise.race([allReady, failed]);
    for (const child of children) child.send({ type: 'go' });
    const timeout = setTimeout(() => onFailure(new Error(`the sequences drain of ${jobs} jobs did not finish in time`)), Math.max(120_000, jobs * 10));
    try {
      await Promise.race([allDone, failed]);
    } finally {
      clearTimeout(timeout);
    }
    const finals = [...latest.values()].filter((m): m is Extract<SequenceChildMessage, { type: 'done' }> => m.type === 'done');
    const runs = finals.flatMap((m) => m.runs);
    const firstStart = Math.min(...runs.map((r) => r[2]));
    const lastCompleted = Math.max(...finals.map((m) => m.lastCompleted ?? -Infinity));
    return { runs, jobsPerSec: perSecond(jobs, lastCompleted - firstStart) };
  } finally {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

/** Inserts `keys` x `perKey` jobs in insert order n by n (each batch one job of every key), in sequences or not. */
async function fill(url: string, keys: number, perKey: number, sequenced: boolean): Promise<void> {
  const pool = new pg.Pool({ connectionString: url });
  try {
    const client = new Client();
    const db = drizzle(pool);
    for (let n = 0; n < perKey; n++) {
      await client.insertMany(db, Array.from({ length: keys }, (_, k) => ({
        job: seqBench, args: { key: `account-${k}`, n }, opts: sequenced ? { sequence: { byArgs: ['key' as const] } } : {},
      })));
    }
  } finally {
    await pool.end();
  }
}

/** The whole phase, on a database of its own. */
export async function measureSequences(serverUrl: string, settings: BenchSettings, log: (line: string) => void): Promise<SequencesResult> {
  const database = 'tributary_bench_sequences';
  const url = await createDatabase(serverUrl, database);
  try {
    await migrate({ databaseUrl: url });
    const script = await compileChild('sequence-child');
    const [keys, perKey, processes] = [SEQUENCE_KEYS, SEQUENCE_JOBS_PER_KEY, SEQUENCE_PROCESSES];
    const jobs = keys * perKey;
    await fill(url, keys, perKey, false);
    const unlimited = await drainWith(url, script, processes, jobs, settings.concurrency);
    log(`  unlimited: ${Math.round(unlimited.jobsPerSec)} jobs/s`);
    await fill(url, keys, perKey, true);
    const sequenced = await drainWith(url, script, processes, jobs, settings.concurrency);
    const problems = runProblems(sequenced.runs);
    if (sequenced.runs.length !== jobs) problems.unshift(`${sequenced.runs.length} runs recorded for ${jobs} jobs`);
    log(`  sequenced: ${Math.round(sequenced.jobsPerSec)} jobs/s, ${(sequenced.jobsPerSec / unlimited.jobsPerSec).toFixed(2)}x the unlimited drain; ` +
      `${problems.length === 0 ? 'every key in insert order, no overlap' : `${problems.length} problem(s): ${problems.slice(0, 3).join('; ')}`}`);
    return { keys, perKey, processes, jobsPerSec: sequenced.jobsPerSec, unlimitedPerSec: unlimited.jobsPerSec, problems: problems.slice(0, 10) };
  } finally {
    await dropDatabase(serverUrl, database);
  }
}
