/**
 * The sequences phase (issue 14): 1,000 sequence keys x 10 jobs drained by 2 Tributary client
 * processes, checked for order and overlap from the times each job recorded, and timed against
 * the unlimited drain of as many jobs by the same 2 processes on the same database, measured
 * just before.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, migrate } from 'tributary-queue';
import type { BenchSettings } from './contender.js';
import { runFleet } from './child-fleet.js';
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
  const reports = await runFleet<SequenceChildMessage>({
    script, processes, jobs, label: 'the sequences drain', timeoutMs: Math.max(120_000, jobs * 10), exitGraceMs: 2000,
    env: { ...process.env, BENCH_CHILD_URL: url, BENCH_CHILD_CONCURRENCY: String(concurrency) },
  });
  const finals = reports.filter((m): m is Extract<SequenceChildMessage, { type: 'done' }> => m.type === 'done');
  const runs = finals.flatMap((m) => m.runs);
  const firstStart = Math.min(...runs.map((r) => r[2]));
  const lastCompleted = Math.max(...finals.map((m) => m.lastCompleted ?? -Infinity));
  return { runs, jobsPerSec: perSecond(jobs, lastCompleted - firstStart) };
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
