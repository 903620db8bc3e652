/** A scenario's figures, and how they are printed: one line per scenario, and one JSON line for all. */

export interface RerunFigures {
  /** Killed attempts that ran again. */
  count: number;
  p50Ms: number | null;
  worstMs: number | null;
}

export interface ScenarioResult {
  scenario: string;
  pass: boolean;
  /** Jobs the scenario inserted. */
  jobs: number;
  /** Jobs not completed by the end (poison: good jobs not completed in time); null when not measured. */
  lost: number | null;
  /** Jobs with more than one completeTx effect; null without completeTx handlers. */
  duplicated: number | null;
  /** Kill to next attempt, for attempts cut short by a kill or a cancel; null when nothing was cut. */
  rerun: RerunFigures | null;
  /** By worker set: ms from the server accepting connections again to the set's first completion after it. */
  stallMs: Record<string, number | null> | null;
  /** Worker processes that exited unasked. */
  exits: number;
  /** Why it failed, one short phrase each; empty when it passed. */
  failures: string[];
  /** Scenario-specific counts, in the JSON only. */
  details: Record<string, unknown>;
  elapsedMs: number;
}

/** The middle value and the worst of a list of ms. */
export function rerunFigures(delays: readonly number[]): RerunFigures | null {
  if (delays.length === 0) return null;
  const sorted = [...delays].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: sorted[Math.floor((sorted.length - 1) / 2)]!, worstMs: sorted.at(-1)! };
}

const seconds = (ms: number | null | undefined) => (ms === null || ms === undefined ? '-' : `${(ms / 1000).toFixed(1)}s`);

/** The scenario's one line of figures. */
export function formatLine(r: ScenarioResult): string {
  const rerun = r.rerun ? `p50 ${seconds(r.rerun.p50Ms)} worst ${seconds(r.rerun.worstMs)} (${r.rerun.count})` : '-';
  const stall = r.stallMs ? Object.entries(r.stallMs).map(([set, ms]) => `${set} ${seconds(ms)}`).join(', ') : '-';
  const fields = [
    r.scenario.padEnd(21),
    `jobs ${r.jobs}`,
    `lost ${r.lost ?? '-'}`,
    `dup ${r.duplicated ?? '-'}`,
    `rerun ${rerun}`,
    `stall ${stall}`,
    `exits ${r.exits}`,
    `${seconds(r.elapsedMs)}`,
    r.pass ? 'PASS' : `FAIL: ${r.failures.join('; ')}`,
  ];
  return fields.join(' | ');
}

/** Everything, for scripts that read the last line. */
export function formatJson(results: readonly ScenarioResult[], meta: Record<string, unknown>): string {
  const round = (value: unknown): unknown =>
    typeof value === 'number' ? Math.round(value) : Array.isArray(value) ? value.map(round)
      : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, round(v)])) : value;
  return JSON.stringify({ ...meta, pass: results.every((r) => r.pass), scenarios: results.map(round) });
}
