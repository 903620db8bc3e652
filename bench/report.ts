import type { BenchSettings } from './contender.js';
import type { LimitResult } from './limit.js';
import type { Figures } from './phases.js';
import type { ChildrenResult } from './scale.js';
import { ratio, round } from './stats.js';

/** One contender's figures, under its JSON key (`tributary`, `graphile`, `pgboss`, `bullmq`). */
export interface Measured {
  key: string;
  name: string;
  figures: Figures;
}

/** A drain on a big table, next to the same contender's drain on an empty one. */
export interface AtScale {
  key: string;
  name: string;
  /** What its table held besides the drain's jobs. */
  holding: string;
  insertPerSec: number;
  drainPerSec: number;
  emptyDrainPerSec: number;
}

/** Everything one run measured; a phase not run is undefined, one that could not run a string. */
export interface Results {
  /** Tributary first: every ratio is Tributary / the other. */
  contenders: Measured[];
  limit?: LimitResult | string;
  atScale?: { finished: number; scheduled: number; jobs: number; runs: AtScale[] };
  memory?: ChildrenResult;
  scaleOut?: ChildrenResult[];
  notes: string[];
}

interface Row {
  label: string;
  key: 'drain' | 'insert' | 'latency_p50_ms' | 'latency_p99_ms';
  pick: (f: Figures) => number;
  digits: number;
}

const ROWS: Row[] = [
  { label: 'drain (jobs/s)', key: 'drain', pick: (f) => f.drainPerSec, digits: 0 },
  { label: 'bulk insert (jobs/s)', key: 'insert', pick: (f) => f.insertPerSec, digits: 0 },
  { label: 'latency p50 (ms)', key: 'latency_p50_ms', pick: (f) => f.latencyP50Ms, digits: 2 },
  { label: 'latency p99 (ms)', key: 'latency_p99_ms', pick: (f) => f.latencyP99Ms, digits: 2 },
];

const MB = 1024 * 1024;
const show = (value: number | null, digits: number) =>
  value === null || !Number.isFinite(value) ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const times = (r: number | null) => (r === null ? 'n/a' : `${r.toFixed(2)}x`);

/** Lays out rows of cells: the first column left-aligned, the others right-aligned. */
function layout(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd();
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
  const { limit, atScale, memory, scaleOut } = results;
  if (typeof limit === 'string') lines.push(`limit: ${limit}`);
  else if (limit) {
    lines.push(`limit (pgbench running Tributary's fetch + complete, ${limit.batch} jobs each, ${limit.clients} client(s), best of ` +
      `${limit.runs.map((r) => r.clients).join('/')}): ${show(limit.jobsPerSec, 0)} jobs/s; Tributary's drain right after: ` +
      `${show(limit.drainPerSec, 0)} jobs/s, ${times(ratio(limit.drainPerSec, limit.jobsPerSec))} of it (target 0.75x)`);
  }
  for (const run of atScale?.runs ?? []) {
    lines.push(`at scale, ${run.name} (${run.holding}): drain ${show(run.drainPerSec, 0)} jobs/s, ` +
      `${times(ratio(run.drainPerSec, run.emptyDrainPerSec))} its empty-table drain; bulk insert ${show(run.insertPerSec, 0)} jobs/s`);
  }
  if (memory) {
    lines.push(`memory: Tributary client draining ${memory.jobs.toLocaleString('en-US')} jobs in its own process: peak RSS ` +
      `${show(memory.peakRss / MB, 0)} MB sampled every 100 ms (${show(memory.maxRss / MB, 0)} MB lifetime high-water mark, ` +
      `${show(memory.readyRss / MB, 0)} MB before the first fetch; target 150 MB), ` +
      `drain ${show(memory.jobsPerSec, 0)} jobs/s`);
  }
  if (scaleOut?.length) {
    const one = scaleOut.find((s) => s.processes === 1)?.jobsPerSec ?? NaN;
    lines.push(`scale-out, ${scaleOut[0]!.jobs.toLocaleString('en-US')} jobs: ` +
      scaleOut.map((s) => `${s.processes} process${s.processes > 1 ? 'es' : ''} ${show(s.jobsPerSec, 0)} jobs/s (${times(ratio(s.jobsPerSec, one))})`).join(', '));
  }
  return [...lines, ...results.notes.map((note) => `note: ${note}`)].join('\n');
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
  const { limit, atScale, memory, scaleOut } = results;
  const json = {
    ...figures,
    limit: typeof limit === 'string' ? { skipped: limit } : limit && {
      jobs_per_sec: round(limit.jobsPerSec, 0), batch: limit.batch, clients: limit.clients, pgbench: limit.pgbench,
      tributary_drain: round(limit.drainPerSec, 0), drain_ratio: round(ratio(limit.drainPerSec, limit.jobsPerSec), 3),
      runs: limit.runs.map((r) => ({ clients: r.clients, jobs_per_sec: round(r.jobsPerSec, 0) })),
    },
    at_scale: atScale && {
      finished: atScale.finished, scheduled: atScale.scheduled, jobs: atScale.jobs,
      ...Object.fromEntries(atScale.runs.map((r) => [r.key, {
        holding: r.holding, drain: round(r.drainPerSec, 0), insert: round(r.insertPerSec, 0), empty_drain: round(r.emptyDrainPerSec, 0),
        ratio_to_empty: round(ratio(r.drainPerSec, r.emptyDrainPerSec), 3),
      }])),
    },
    memory: memory && {
      jobs: memory.jobs, peak_rss_mb: round(memory.peakRss / MB, 1), max_rss_mb: round(memory.maxRss / MB, 1),
      ready_rss_mb: round(memory.readyRss / MB, 1), target_mb: 150, drain: round(memory.jobsPerSec, 0),
    },
    scaleout: scaleOut && {
      jobs: scaleOut[0]?.jobs,
      ...Object.fromEntries(scaleOut.map((s) => [`processes_${s.processes}`, {
        drain: round(s.jobsPerSec, 0), ratio_to_one: round(ratio(s.jobsPerSec, scaleOut.find((o) => o.processes === 1)?.jobsPerSec ?? NaN), 3),
        peak_rss_mb: round(s.peakRss / MB, 1),
      }])),
    },
    notes: results.notes,
    settings: { ...settings, ...extra },
  };
  return JSON.stringify(json);
}
