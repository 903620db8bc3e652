import type { ValidationIssue } from './errors.js';

/**
 * Edits between `a` and `b`, ignoring case: insertions, deletions, substitutions, and swaps of
 * two neighbours (`prot` is one edit from `port`), as typos are made.
 */
function distance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let before: number[] = [];
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) row[j] = Math.min(row[j]!, before[j - 2]! + 1);
    }
    [before, prev] = [prev, row];
  }
  return prev[y.length]!;
}

/**
 * The known name closest to `name`, when it is close enough to be a likely typo: a third of its
 * letters at most (two for short names), and never every letter (`tz` is not a typo of `id`).
 */
export function didYouMean(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = distance(name, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) && bestDistance < name.length ? best : undefined;
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
 * With `othersAllowed`, for objects whose methods may keep state of their own on `this` (a
 * worker object, a middleware, a plugin), only a key close to a known one is an issue: a
 * `maxAttempt` is a typo, a `mailer` is the object's own.
 *
 * @param what what the known keys are, with its article: `'a client option'`, `'an insert option'`.
 */
export function unknownKeyIssues(value: object, known: readonly string[], path: string, what: string, othersAllowed = false): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = didYouMean(key, known);
    if (othersAllowed && !guess) continue;
    issues.push({
      path: path ? `${path}.${key}` : key,
      message: `is not ${what}${guess ? `; did you mean "${guess}"?` : ` (${known.join(', ')})`}`,
    });
  }
  return issues;
}
