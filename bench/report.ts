import type { AtScale } from './at-scale.js';
import type { BenchSettings } from './contender.js';
import type { LimitResult } from './limit.js';
import type { FlowLimitsResult } from './flow-limits.js';
import type { InsertLimitResult } from './insert-limit.js';
import type { Figures } from './phases.js';
import { peakRss, type ChildrenResult } from './scale.js';
import type { SequencesResult } from './flow-sequences.js';
import type { WorkflowsResult } from './workflows.js';
import type { CommitFloor } from './commit-floor.js';
import { ratio, round } from './stats.js';
import { evaluate } from './targets.js';

/** One contender's figures, under its JSON key (`tributary`, `graphile`, `pgboss`, `bullmq`). */
export interface Measured {
  key: string;
  name: string;
  figures: Figures;
}

/** Everything one run measured; a phase not run is undefined, one that could not run a string. */
export interface Results {
  /** Tributary first: every ratio is Tributary / the other. */
  contenders: Measured[];
  limit?: LimitResult | string;
  insertLimit?: InsertLimitResult | string;
  /** The busy phase's CPU loop: the share of one core it got, of the machine's `cores`. */
  busy?: { loopCpuShare: number; cores: number };
  atScale?: { finished: number; scheduled: number; jobs: number; runs: AtScale[] };
  backlog?: { backlog: number; jobs: number; runs: AtScale[] };
  memory?: ChildrenResult;
  scaleOut?: ChildrenResult[];
  sequences?: SequencesResult;
  /** The limits phase (issue 14). */
  flowLimits?: FlowLimitsResult | string;
  /** The workflows phase (issue 15). */
  workflows?: WorkflowsResult;
  /** One durable commit, measured before the limits and workflows phases: their floor per hand-off. */
  commitFloor?: CommitFloor;
  /** Seconds each phase took, in the order they ran (the per-contender phases as one). */
  durations: Record<string, number>;
  notes: string[];
}

interface Row {
  label: string;
  /** Its key in the JSON line. */
  key: string;
  pick: (f: Figures) => number;
  digits: number;
}

const ROWS: Row[] = [
  { label: 'drain (jobs/s)', key: 'drain', pick: (f) => f.drainPerSec, digits: 0 },
  { label: 'drain, one core busy (jobs/s)', key: 'drain_busy', pick: (f) => f.busyDrainPerSec, digits: 0 },
  { label: 'bulk insert (jobs/s)', key: 'insert', pick: (f) => f.insertPerSec, digits: 0 },
  { label: 'latency p50 (ms)', key: 'latency_p50_ms', pick: (f) => f.latencyP50Ms, digits: 2 },
  { label: 'latency p99 (ms)', key: 'latency_p99_ms', pick: (f) => f.latencyP99Ms, digits: 2 },
  { label: 'latency p50, synchronous_commit off (ms)', key: 'latency_p50_ms_sync_off', pick: (f) => f.latencyAsyncP50Ms, digits: 2 },
  { label: 'latency p99, synchronous_commit off (ms)', key: 'latency_p99_ms_sync_off', pick: (f) => f.latencyAsyncP99Ms, digits: 2 },
];

const MB = 1024 * 1024;

const show = (value: number | null, digits: number) =>
  value === null || !Number.isFinite(value) ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(2)}x`);

/** Lays out rows of cells: the first `left` columns left-aligned, the others right-aligned (figures). */
function layout(rows: string[][], left = 1): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c < left ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('   '), ...rows.slice(1).map(line)].join('\n');
}

/**
 * The side-by-side table: each contender's figure, and after each other contender the ratio
 * Tributary / it (above 1 is Tributary ahead for throughput, behind for latency).
 */
export function table(results: Results): string {
  const [first, ...others] = results.contenders;
  if (!first) return '(no contender measured)';
  const short = first.key === 'tributary' ? 'T' : first.name;
  const header = ['', first.name, ...others.flatMap((o) => [o.name, `${short}/${o.name}`])];
  const measured = ROWS.filter((row) => results.contenders.some((c) => Number.isFinite(row.pick(c.figures))));
  const body = measured.map((row) => {
    const t = row.pick(first.figures);
    return [row.label, show(round(t, row.digits), row.digits),
      ...others.flatMap((o) => [show(round(row.pick(o.figures), row.digits), row.digits), times(ratio(t, row.pick(o.figures)))])];
  });
  const legend = others.length ? `\n(${short}/x: ${first.name}'s figure over x's; above 1 is ${first.name} ahead in jobs/s, behind in latency)` : '';
  return layout([header, ...body]) + legend;
}

/** The Tributary-only figures (limit, at scale, memory, scale-out), one line each. */
export function extras(results: Results): string {
  const lines: string[] = [];
  const { limit, insertLimit, busy, atScale, backlog, memory, scaleOut } = results;
  if (busy) {
    lines.push(`drain, one core busy: the drain again while a CPU loop (a child process started for the phase, killed after) ` +
      `kept one of ${busy.cores} cores busy; the loop got ${show(busy.loopCpuShare, 2)} of a core`);
  }
  if (typeof limit === 'string') lines.push(`limit: ${limit}`);
  else if (limit) {
    lines.push(`limit (pgbench running Tributary's fetch + complete, ${limit.batch} jobs each, ${limit.clients} client(s), best of ` +
      `${limit.runs.map((r) => r.clients).join('/')}): ${show(limit.jobsPerSec, 0)} jobs/s; Tributary's drain right after: ` +
      `${show(limit.drainPerSec, 0)} jobs/s, ${times(ratio(limit.drainPerSec, limit.jobsPerSec))} of it (target 0.75x)`);
  }
  if (typeof insertLimit === 'string') lines.push(`insert limit: ${insertLimit}`);
  else if (insertLimit) {
    lines.push(`insert limit (pgbench INSERT ... SELECT of ${insertLimit.batch} rows built on the server, ` +
      `${insertLimit.runs.map((r) => `${r.clients} client(s) ${show(r.jobsPerSec, 0)}`).join(', ')} jobs/s; best again: ` +
      `${show(insertLimit.jobsPerSec, 0)} jobs/s at ${insertLimit.clients}); Tributary's bulk insert right after: ` +
      `${show(insertLimit.insertPerSec, 0)} jobs/s, ${times(ratio(insertLimit.insertPerSec, insertLimit.jobsPerSec))} of it (target 0.5x)`);
  }
  const bigRuns = [...(atScale?.runs ?? []).map((run) => ['at scale', run] as const), ...(backlog?.runs ?? []).map((run) => ['backlog', run] as const)];
  for (const [phase, run] of bigRuns) {
    lines.push(`${phase}, ${run.name} (${run.holding}; filled in ${show(run.fillSeconds, 0)} s): drain ${show(run.drainPerSec, 0)} jobs/s, ` +
      `${times(ratio(run.drainPerSec, run.emptyDrainPerSec))} its empty-table drain (target 0.80x); bulk insert ${show(run.insertPerSec, 0)} jobs/s`);
  }
  if (atScale) lines.push('at scale: graphile-worker deletes a job once it succeeds, so it has no run with finished rows; it has the backlog\'s');
  if (memory) {
    lines.push(`memory: a Tributary client with its defaults draining ${memory.jobs.toLocaleString('en-US')} jobs in its own process: ` +
      `peak RSS ${show(peakRss(memory) / MB, 0)} MB (target 150 MB; ${show(memory.peakRss / MB, 0)} MB sampled every 100 ms, ` +
      `${show(memory.maxRss / MB, 0)} MB the kernel's high-water mark, ${show(memory.readyRss / MB, 0)} MB before the first fetch), ` +
      `drain ${show(memory.jobsPerSec, 0)} jobs/s`);
  }
  if (scaleOut?.length) {
    const one = scaleOut.find((s) => s.processes === 1)?.jobsPerSec ?? NaN;
    lines.push(`scale-out, ${scaleOut[0]!.jobs.toLocaleString('en-US')} jobs: ` +
      scaleOut.map((s) => `${s.processes} process${s.processes > 1 ? 'es' : ''} ${show(s.jobsPerSec, 0)} jobs/s (${times(ratio(s.jobsPerSec, one))})`).join(', '));
  }
  if (results.sequences) {
    const q = results.sequences;
    lines.push(`sequences, ${q.keys.toLocaleString('en-US')} keys x ${q.perKey} jobs, ${q.processes} processes: ${show(q.jobsPerSec, 0)} jobs/s, ` +
      `${times(ratio(q.jobsPerSec, q.unlimitedPerSec))} the unlimited drain's ${show(q.unlimitedPerSec, 0)} (target 0.50x); ` +
      (q.problems.length === 0 ? 'every key in insert order, no overlap' : `problems: ${q.problems.join('; ')}`));
  }
  if (results.workflows) {
    const w = results.workflows;
    lines.push(`workflows, ${w.tasks.toLocaleString('en-US')} tasks each, beside ${show(w.plainPerSec, 0)} jobs/s plain: fan-out ${show(w.fanOutPerSec, 0)} jobs/s ` +
      `(${times(ratio(w.fanOutPerSec, w.plainPerSec))}), layered ${show(w.layeredPerSec, 0)} (${times(ratio(w.layeredPerSec, w.plainPerSec))}), ` +
      `fan-in ${show(w.fanInPerSec, 0)} with the child starting ${show(w.fanInStartMs, 1)} ms after its last parent, ` +
      `chain of ${w.chainLinks + 1} links p50 ${show(w.chainP50Ms, 1)} ms, p99 ${show(w.chainP99Ms, 1)} ms (targets 0.70x, 0.70x, 50 ms, 3 ms)`);
  }
  const durations = Object.entries(results.durations);
  if (durations.length) lines.push(`phases took: ${durations.map(([phase, seconds]) => `${phase} ${show(seconds, 0)} s`).join(', ')}`);
  return [...lines, ...results.notes.map((note) => `note: ${note}`)].join('\n');
}

/** Issue 13's targets as a table: target, this run's figures, met or not. */
export function targetTable(results: Results): string {
  const verdict = (met: boolean | null) => (met === null ? 'n/a' : met ? 'met' : 'NOT MET');
  const rows = evaluate(results).map((t) => [t.target, t.measured, verdict(t.met)]);
  return `targets (issues 13 and 14)\n${layout([['target', 'measured', 'verdict'], ...rows], 3)}`;
}

/** Every figure as one JSON object, for scripts that read the last line. */
export function summary(results: Results, settings: BenchSettings, extra: Record<string, unknown>): string {
  const [first, ...others] = results.contenders;
  const figures = first
    ? Object.fromEntries(ROWS.map((row) => {
        const t = row.pick(first.figures);
        const each = Object.fromEntries(results.contenders.map((c) => [c.key, round(row.pick(c.figures), row.digits)]));
        const ratios = Object.fromEntries(others.map((o) => [o.key, round(ratio(t, row.pick(o.figures)), 3)]));
        return [row.key, { ...each, ratio: ratios }];
      }))
    : {};
  const { limit, insertLimit, busy, atScale, backlog, memory, scaleOut } = results;
  const big = (r: AtScale) => ({
    holding: r.holding, fill_s: round(r.fillSeconds, 1), drain: round(r.drainPerSec, 0), insert: round(r.insertPerSec, 0),
    empty_drain: round(r.emptyDrainPerSec, 0), ratio_to_empty: round(ratio(r.drainPerSec, r.emptyDrainPerSec), 3),
  });
  const json = {
    ...figures,
    limit: typeof limit === 'string' ? { skipped: limit } : limit && {
      jobs_per_sec: round(limit.jobsPerSec, 0), batch: limit.batch, clients: limit.clients, pgbench: limit.pgbench,
      tributary_drain: round(limit.drainPerSec, 0), drain_ratio: round(ratio(limit.drainPerSec, limit.jobsPerSec), 3),
      runs: limit.runs.map((r) => ({ clients: r.clients, jobs_per_sec: round(r.jobsPerSec, 0) })),
    },
    insert_limit: typeof insertLimit === 'string' ? { skipped: insertLimit } : insertLimit && {
      jobs_per_sec: round(insertLimit.jobsPerSec, 0), batch: insertLimit.batch, clients: insertLimit.clients,
      tributary_insert: round(insertLimit.insertPerSec, 0), insert_ratio: round(ratio(insertLimit.insertPerSec, insertLimit.jobsPerSec), 3),
      runs: insertLimit.runs.map((r) => ({ clients: r.clients, jobs_per_sec: round(r.jobsPerSec, 0) })),
    },
    busy: busy && { loop_cpu_share: round(busy.loopCpuShare, 2), cores: busy.cores },
    at_scale: atScale && {
      finished: atScale.finished, scheduled: atScale.scheduled, jobs: atScale.jobs,
      ...Object.fromEntries(atScale.runs.map((r) => [r.key, big(r)])),
    },
    backlog: backlog && {
      backlog: backlog.backlog, jobs: backlog.jobs,
      ...Object.fromEntries(backlog.runs.map((r) => [r.key, big(r)])),
    },
    memory: memory && {
      jobs: memory.jobs, peak_rss_mb: round(peakRss(memory) / MB, 1), sampled_rss_mb: round(memory.peakRss / MB, 1), max_rss_mb: round(memory.maxRss / MB, 1),
      ready_rss_mb: round(memory.readyRss / MB, 1), target_mb: 150, drain: round(memory.jobsPerSec, 0),
    },
    scaleout: scaleOut && {
      jobs: scaleOut[0]?.jobs,
      ...Object.fromEntries(scaleOut.map((s) => [`processes_${s.processes}`, {
        drain: round(s.jobsPerSec, 0), ratio_to_one: round(ratio(s.jobsPerSec, scaleOut.find((o) => o.processes === 1)?.jobsPerSec ?? NaN), 3),
        peak_rss_mb: round(s.peakRss / MB, 1),
      }])),
    },
    limits: results.flowLimits,
    workflows: results.workflows,
    commit_floor: results.commitFloor,
    targets: evaluate(results).map((t) => ({ target: t.target, measured: t.measured, met: t.met })),
    durations_s: Object.fromEntries(Object.entries(results.durations).map(([phase, seconds]) => [phase, round(seconds, 0)])),
    notes: results.notes,
    settings: { ...settings, ...extra },
  };
  return JSON.stringify(json);
}
