import type { BenchSettings } from './contender.js';
import type { Figures } from './phases.js';
import { ratio, round } from './stats.js';

interface Row {
  label: string;
  key: 'drain' | 'insert' | 'latency_p50_ms' | 'latency_p99_ms';
  pick: (f: Figures) => number;
  digits: number;
  /** Whether a higher figure is better, to say which way the ratio favours. */
  higherIsBetter: boolean;
}

const ROWS: Row[] = [
  { label: 'drain (jobs/s)', key: 'drain', pick: (f) => f.drainPerSec, digits: 0, higherIsBetter: true },
  { label: 'bulk insert (jobs/s)', key: 'insert', pick: (f) => f.insertPerSec, digits: 0, higherIsBetter: true },
  { label: 'latency p50 (ms)', key: 'latency_p50_ms', pick: (f) => f.latencyP50Ms, digits: 2, higherIsBetter: false },
  { label: 'latency p99 (ms)', key: 'latency_p99_ms', pick: (f) => f.latencyP99Ms, digits: 2, higherIsBetter: false },
];

const show = (value: number | null, digits: number) =>
  value === null ? 'n/a' : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** The side-by-side table, ratios as Tributary / graphile-worker. */
export function table(tributary: Figures, graphile: Figures): string {
  const header = ['', 'Tributary', 'graphile-worker', 'ratio T/G', 'which is better'];
  const body = ROWS.map((row) => {
    const t = row.pick(tributary);
    const g = row.pick(graphile);
    const r = ratio(t, g);
    const better = r === null || r === 1 ? '' : (r > 1) === row.higherIsBetter ? 'Tributary better' : 'graphile-worker better';
    return [row.label, show(round(t, row.digits), row.digits), show(round(g, row.digits), row.digits), r === null ? 'n/a' : `${r.toFixed(2)}x`, better];
  });
  const rows = [header, ...body];
  const widths = header.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  // Label left-aligned, figures right-aligned, the verdict left-aligned after them.
  const line = (r: string[]) =>
    r.map((cell, c) => (c === 0 || c === r.length - 1 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('   ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('   ').trimEnd(), ...body.map(line)].join('\n');
}

/** Every figure as one JSON object, for scripts that read the last line. */
export function summary(tributary: Figures, graphile: Figures, settings: BenchSettings, extra: Record<string, string>): string {
  const figures = Object.fromEntries(
    ROWS.map((row) => {
      const t = row.pick(tributary);
      const g = row.pick(graphile);
      return [row.key, { tributary: round(t, row.digits), graphile: round(g, row.digits), ratio: round(ratio(t, g), 3) }];
    }),
  );
  return JSON.stringify({ ...figures, settings: { ...settings, ...extra } });
}
