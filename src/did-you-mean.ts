import type { ValidationIssue } from './errors.js';

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = prev[j]!;
      prev[j] = Math.min(above + 1, prev[j - 1]! + 1, diagonal + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      diagonal = above;
    }
  }
  return prev[b.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * The keys of an options object that are not among `known`, as issues: the one check every entry
 * point of the public API makes, at every depth, so a misspelt option is an error instead of a
 * silently ignored one (a `schmea` would otherwise migrate `public`).
 *
 * Each issue's path is `path.key` (`key` alone when `path` is empty) and its message
 * `is not <what>; did you mean "<closest>"?`, or, with no close name, the known names listed:
 * `queues.default.prefech: is not a queue option; did you mean "prefetch"?`.
 *
 * @param what what the known keys are, with its article: `'a client option'`, `'an insert option'`.
 */
export function unknownKeyIssues(value: object, known: readonly string[], path: string, what: string): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = didYouMean(key, known);
    issues.push({
      path: path ? `${path}.${key}` : key,
      message: `is not ${what}${guess ? `; did you mean "${guess}"?` : ` (${known.join(', ')})`}`,
    });
  }
  return issues;
}
