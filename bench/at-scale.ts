/**
 * The drain on big tables, next to the same contender's drain on an empty one: the `scale` phase
 * (river_job holding millions of finished jobs, as a long-lived queue leaves it) and the
 * `backlog` phase (a million jobs waiting, the drain timed over the first `--jobs` of them).
 */
import { fillGraphileBacklog, fillTributaryBacklog, fillTributaryFinished } from './big-table.js';
import type { BenchSettings, Contender } from './contender.js';
import { measure } from './phases.js';

/** A drain on a big table, next to the same contender's drain on an empty one. */
export interface AtScale {
  key: string;
  name: string;
  /** What its table held besides the drain's jobs. */
  holding: string;
  /** Time the fill took (rows, indexes, VACUUM ANALYZE, CHECKPOINT). */
  fillSeconds: number;
  insertPerSec: number;
  drainPerSec: number;
  emptyDrainPerSec: number;
}

/** The contenders these phases run, with their table names. */
export type BigContender = 'tributary' | 'graphile';
const NAMES: Record<BigContender, string> = { tributary: 'Tributary', graphile: 'graphile-worker' };

/** Builds a contender on a fresh database, runs `work` on it and drops it (main.ts's withContender); a string when it could not. */
export type RunOn = <T>(key: BigContender, work: (contender: Contender, url: string) => Promise<T>) => Promise<T | string>;

/** What the two phases need from the run. */
export interface BigRun {
  runOn: RunOn;
  settings: BenchSettings;
  log: (line: string) => void;
  /** The contender's drain on an empty table in this run, NaN when the drain phase did not run. */
  emptyDrain: (key: BigContender) => number;
}

async function fillAndMeasure(run: BigRun, key: BigContender, holding: string, label: string, fill: (url: string) => Promise<void>): Promise<AtScale | string> {
  const name = NAMES[key];
  return run.runOn(key, async (contender, url) => {
    const started = performance.now();
    await fill(url);
    const fillSeconds = (performance.now() - started) / 1000;
    run.log(`  ${name}: filled in ${fillSeconds.toFixed(0)} s (${holding})`);
    // The bench's own jobs are inserted as measured, then drained: timed over them alone.
    const figures = await measure(contender, run.settings, run.log, new Set(['insert', 'drain']), `${name} ${label}, `);
    return { key, name, holding, fillSeconds, insertPerSec: figures.insertPerSec, drainPerSec: figures.drainPerSec, emptyDrainPerSec: run.emptyDrain(key) };
  });
}

/**
 * Tributary's drain with `finished` finished and `scheduled` scheduled jobs already in river_job.
 * Tributary alone: graphile-worker deletes a job once it succeeds, so it never holds finished rows.
 */
export async function measureFinished(run: BigRun, finished: number, scheduled: number): Promise<AtScale | string> {
  const holding = `${finished.toLocaleString('en-US')} finished + ${scheduled.toLocaleString('en-US')} scheduled rows`;
  return fillAndMeasure(run, 'tributary', holding, 'with finished rows', (url) => fillTributaryFinished(url, finished, scheduled));
}

/**
 * Each contender's drain of the first `settings.jobs` jobs of a backlog of `backlog` available
 * ones (at least `settings.jobs`): `backlog - jobs` are filled straight in SQL, then the bench's
 * own jobs are inserted as in the drain phase, so `backlog` jobs wait when the drain begins and
 * the rest still wait when it is timed to end. The first jobs drained are the filled ones,
 * vacuumed as a real backlog would have been by autovacuum, where the empty-table drain works
 * on rows just inserted: that makes no difference to Tributary (1.05x and 1.01x its empty-table
 * drain with and without the VACUUM, measured here), but graphile-worker's drain ran 1.81x its
 * empty-table figure on the vacuumed backlog and 0.85x without the VACUUM (likely index-only
 * scans: its fetch index includes the columns it reads, and a vacuumed page is all-visible; not
 * checked with EXPLAIN).
 */
export async function measureBacklog(run: BigRun, backlog: number, keys: readonly BigContender[]): Promise<Array<AtScale | string>> {
  const extra = Math.max(0, backlog - run.settings.jobs);
  const holding = `a backlog of ${backlog.toLocaleString('en-US')} available jobs, the first ${run.settings.jobs.toLocaleString('en-US')} drained`;
  const fills: Record<BigContender, (url: string, available: number) => Promise<void>> = {
    tributary: fillTributaryBacklog, graphile: fillGraphileBacklog,
  };
  const runs: Array<AtScale | string> = [];
  for (const key of keys) runs.push(await fillAndMeasure(run, key, holding, 'with a backlog', (url) => fills[key](url, extra)));
  return runs;
}
