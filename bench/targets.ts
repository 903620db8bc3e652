/**
 * Issue 13's targets, judged on one run's figures: each target, what this run measured for it,
 * and whether that meets it. A target whose phase did not run (or could not) is left unjudged.
 */
import type { Figures } from './phases.js';
import type { Results } from './report.js';
import { peakRss } from './scale.js';
import { ratio } from './stats.js';

export interface Target {
  target: string;
  /** The figures it is judged on, as a sentence fragment; "not measured" when missing. */
  measured: string;
  /** Null: not measured in this run. */
  met: boolean | null;
}

const NOT_MEASURED = 'not measured in this run';
const show = (value: number, digits: number) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Tributary's figure over another's, judged by `ok` on the ratio. */
function versus(target: string, mine: number, theirs: number, unit: string, digits: number, ok: (r: number) => boolean): Target {
  const r = ratio(mine, theirs);
  if (r === null) return { target, measured: NOT_MEASURED, met: null };
  return { target, measured: `${show(mine, digits)} vs ${show(theirs, digits)} ${unit}: ${r.toFixed(2)}x`, met: ok(r) };
}

/** A figure against a fixed bound. */
function bound(target: string, value: number, unit: string, digits: number, ok: (v: number) => boolean): Target {
  if (!Number.isFinite(value)) return { target, measured: NOT_MEASURED, met: null };
  return { target, measured: `${show(value, digits)} ${unit}`, met: ok(value) };
}

/** Issue 14's sequences target: in order and without overlap, at half the unlimited drain or more. */
function sequencesTarget({ sequences: q }: Results): Target {
  const target = 'sequences: 1,000 keys x 10 jobs, 2 processes, in insert order, no overlap, >= 0.5x the unlimited drain';
  if (!q) return { target, measured: NOT_MEASURED, met: null };
  const r = ratio(q.jobsPerSec, q.unlimitedPerSec);
  const order = q.problems.length === 0 ? 'in order, no overlap' : `${q.problems.length} order/overlap problem(s)`;
  return { target, measured: `${show(q.jobsPerSec, 0)} vs ${show(q.unlimitedPerSec, 0)} jobs/s: ${r === null ? 'n/a' : `${r.toFixed(2)}x`}; ${order}`, met: r !== null && r >= 0.5 && q.problems.length === 0 };
}

/** Every issue-13 target, in the issue's order, then issue 14's. */
export function evaluate(results: Results): Target[] {
  const figures = (key: string): Figures | undefined => results.contenders.find((c) => c.key === key)?.figures;
  const t = figures('tributary');
  const g = figures('graphile');
  const pick = (f: Figures | undefined, p: (f: Figures) => number) => (f ? p(f) : NaN);
  const vsGraphile = (target: string, p: (f: Figures) => number, unit: string, digits: number, ok: (r: number) => boolean) =>
    versus(target, pick(t, p), pick(g, p), unit, digits, ok);
  const faster = (x: number) => (r: number) => r >= x;
  const noSlower = (r: number) => r <= 1;
  const { limit, insertLimit, memory, atScale, backlog } = results;
  const big = (runs: { key: string; drainPerSec: number; emptyDrainPerSec: number }[] | undefined, target: string) => {
    const run = runs?.find((r) => r.key === 'tributary');
    return versus(target, run?.drainPerSec ?? NaN, run?.emptyDrainPerSec ?? NaN, 'jobs/s', 0, faster(0.8));
  };
  return [
    vsGraphile('drain with defaults >= 1.5x graphile-worker', (f) => f.drainPerSec, 'jobs/s', 0, faster(1.5)),
    typeof limit === 'object'
      ? versus(`drain >= 0.75x the drain limit (pgbench, ${limit.batch} jobs a transaction, back to back)`,
        limit.drainPerSec, limit.jobsPerSec, 'jobs/s', 0, faster(0.75))
      : { target: 'drain >= 0.75x the drain limit', measured: limit ?? NOT_MEASURED, met: null },
    vsGraphile("bulk insert >= 1.5x graphile-worker's add_jobs", (f) => f.insertPerSec, 'jobs/s', 0, faster(1.5)),
    typeof insertLimit === 'object'
      ? versus(`bulk insert >= 0.5x the insert limit (pgbench, ${insertLimit.clients} client(s), back to back)`,
        insertLimit.insertPerSec, insertLimit.jobsPerSec, 'jobs/s', 0, faster(0.5))
      : { target: 'bulk insert >= 0.5x the insert limit', measured: insertLimit ?? NOT_MEASURED, met: null },
    vsGraphile('drain with one core busy >= 1.2x graphile-worker', (f) => f.busyDrainPerSec, 'jobs/s', 0, faster(1.2)),
    bound(`memory: peak RSS <= 150 MB draining ${(memory?.jobs ?? 100_000).toLocaleString('en-US')} jobs with defaults`,
      memory ? peakRss(memory) / 2 ** 20 : NaN, 'MB', 0, (mb) => mb <= 150),
    vsGraphile("latency p50 <= graphile-worker's (default synchronous_commit)", (f) => f.latencyP50Ms, 'ms', 2, noSlower),
    vsGraphile("latency p99 <= graphile-worker's (default synchronous_commit)", (f) => f.latencyP99Ms, 'ms', 2, noSlower),
    vsGraphile("latency p50 <= graphile-worker's (synchronous_commit off)", (f) => f.latencyAsyncP50Ms, 'ms', 2, noSlower),
    vsGraphile("latency p99 <= graphile-worker's (synchronous_commit off)", (f) => f.latencyAsyncP99Ms, 'ms', 2, noSlower),
    bound('latency p50 <= 2 ms (synchronous_commit off)', pick(t, (f) => f.latencyAsyncP50Ms), 'ms', 2, (ms) => ms <= 2),
    bound('latency p99 <= 10 ms (synchronous_commit off)', pick(t, (f) => f.latencyAsyncP99Ms), 'ms', 2, (ms) => ms <= 10),
    big(atScale?.runs, `drain with ${(atScale?.finished ?? 10_000_000).toLocaleString('en-US')} finished rows >= 0.8x the empty table's`),
    big(backlog?.runs, `drain with a backlog of ${(backlog?.backlog ?? 1_000_000).toLocaleString('en-US')} >= 0.8x the empty table's`),
    sequencesTarget(results),
    ...limitsTargets(results.flowLimits),
    ...workflowsTargets(results),
  ];
}

/** Issue 15's targets (the workflows phase). */
function workflowsTargets({ workflows: w }: Results): Target[] {
  return [
    versus('workflows: fan-out 1 x 9,999 >= 0.7x the plain drain', w?.fanOutPerSec ?? NaN, w?.plainPerSec ?? NaN, 'jobs/s', 0, (r) => r >= 0.7),
    versus('workflows: layered 20 x 500, 3 deps each >= 0.7x the plain drain', w?.layeredPerSec ?? NaN, w?.plainPerSec ?? NaN, 'jobs/s', 0, (r) => r >= 0.7),
    bound("workflows: fan-in 9,999 x 1, the child starts <= 50 ms after its last parent's completion", w?.fanInStartMs ?? NaN, 'ms', 1, (ms) => ms <= 50),
    bound('workflows: chain of 1,000, a link (completion to the next start) p50 < 3 ms', w?.chainP50Ms ?? NaN, 'ms', 1, (ms) => ms < 3),
  ];
}

/** Issue 14's targets for concurrency and rate limits (the limits phase). */
function limitsTargets(f: Results['flowLimits']): Target[] {
  const l = typeof f === 'object' ? f : undefined;
  const pct = (x: number | undefined) => (x === undefined ? NaN : x * 100);
  return [
    bound('limits: globalLimit 3 across 3 processes, most running at once <= 3', l?.global.maxRunning ?? NaN, 'jobs', 0, (n) => n <= 3),
    bound('limits: globalLimit 3, utilization with 50 ms jobs >= 95%', pct(l?.global.utilization), '%', 1, (u) => u >= 95),
    bound('limits: per partition (3 x globalLimit 1), most running in one <= 1', l?.partitioned.maxRunningPerPartition ?? NaN, 'jobs', 0, (n) => n <= 1),
    bound('limits: per partition, utilization >= 95%', pct(l?.partitioned.utilization), '%', 1, (u) => u >= 95),
    // Judged on the starts the limit enforces (attempted_at, the take); handler starts lag them by
    // the scheduling delay of a busy machine, and are shown beside.
    l ? { target: 'limits: rateLimit 20/1 s, most starts (attempted_at) in any 1 s window <= 20',
      measured: `${l.rate.maxTakenPerWindow} starts (handler starts: ${l.rate.maxStartsPerWindow})`, met: l.rate.maxTakenPerWindow <= 20 }
      : { target: 'limits: rateLimit 20/1 s, most starts (attempted_at) in any 1 s window <= 20', measured: NOT_MEASURED, met: null },
    bound('limits: rateLimit 20/1 s, backlog start rate >= 18/s', l?.rate.startsPerSec ?? NaN, 'starts/s', 1, (r) => r >= 18),
    versus('limits: drain with a globalLimit above the workers >= 0.8x unlimited', l?.drain.limitedPerSec ?? NaN, l?.drain.unlimitedPerSec ?? NaN, 'jobs/s', 0, (r) => r >= 0.8),
  ];
}
