/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN when there are none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** Items per second, from a count and elapsed milliseconds. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : Number.NaN;
}

/** a / b, or null when it means nothing (b is 0 or either is not a number), so JSON stays valid. */
export function ratio(a: number, b: number): number | null {
  const r = a / b;
  return Number.isFinite(r) ? r : null;
}

/** Rounds to `digits` decimals; a missing figure (null, NaN, infinite) stays null, which JSON can hold. */
export function round(value: number | null, digits: number): number | null {
  if (value === null || !Number.isFinite(value)) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
