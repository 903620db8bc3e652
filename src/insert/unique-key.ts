import { createHash } from 'node:crypto';
import { JOB_STATES, type JobState } from '../schema/job-state.js';
import { goJson, goJsonString } from './go-json.js';
import type { UniqueOpts } from './opts.js';

/** River's default unique states: all but cancelled and discarded (mask 245). */
export const DEFAULT_UNIQUE_STATES: readonly JobState[] = JOB_STATES.filter(
  (s) => s !== 'cancelled' && s !== 'discarded',
);

// Go's time.Truncate counts from its zero time (0001-01-01 UTC), not from the Unix epoch; the
// two agree only for periods that divide a day, so weekly periods need this offset to match River.
const GO_ZERO_TIME_MS = -62_135_596_800_000;

/** `now` truncated to a multiple of `periodMs` since Go's zero time, as River does. */
export function truncateToPeriod(now: Date, periodMs: number): Date {
  const sinceZero = now.getTime() - GO_ZERO_TIME_MS;
  return new Date(sinceZero - (sinceZero % periodMs) + GO_ZERO_TIME_MS);
}

/** Go's RFC 3339 for a UTC time: no fractional seconds, `Z`. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

// River (sjson) writes a top-level key between quotes as it is, and only passes it through
// encoding/json when it holds a control character, a non-ASCII character, `"` or `\`: so `<`, `>`
// and `&` in a plain ASCII key stay raw, unlike in values and nested keys.
const KEY_NEEDS_ENCODING = /[\u0000-\u001f"\\\u0080-\uffff]/;
const riverKeyJson = (key: string) => (KEY_NEEDS_ENCODING.test(key) ? goJsonString(key) : `"${key}"`);

/**
 * The `&args=` part of River's unique key: the args' top-level keys in byte order (Go's
 * sort.Strings), each with its value as Go's encoding/json writes it; nested objects keep their
 * own key order. With `fields`, only those top-level fields, as River does for `river:"unique"`
 * struct tags; fields absent from the args are left out, and when none is present the part is
 * empty (River builds a subset onto an empty buffer, all args onto `{}`).
 */
export function uniqueArgsJson(args: Record<string, unknown>, fields?: readonly string[]): string {
  const keys = (fields ?? Object.keys(args)).filter((key) => Object.hasOwn(args, key) && args[key] !== undefined).sort(byteOrder);
  if (fields && keys.length === 0) return '';
  return `{${keys.map((key) => `${riverKeyJson(key)}:${goJson(args[key])}`).join(',')}}`;
}

/** Whether these options make a job unique at all (River: a zero UniqueOpts does not). */
export function isUnique(opts: UniqueOpts | undefined): opts is UniqueOpts {
  if (!opts) return false;
  return Boolean(opts.byArgs || opts.byPeriod || opts.byQueue || opts.byState || opts.excludeKind);
}

/** The string River hashes into a unique key. */
export function uniqueKeyString(
  params: { kind: string; args: Record<string, unknown>; queue: string },
  opts: UniqueOpts,
  now: Date,
): string {
  let key = '';
  if (!opts.excludeKind) key += `&kind=${params.kind}`;
  if (opts.byArgs) key += `&args=${uniqueArgsJson(params.args, Array.isArray(opts.byArgs) ? opts.byArgs : undefined)}`;
  if (opts.byPeriod) key += `&period=${rfc3339(truncateToPeriod(now, opts.byPeriod))}`;
  if (opts.byQueue) key += `&queue=${params.queue}`;
  return key;
}

/** SHA-256 of {@link uniqueKeyString}: the 32 bytes stored in `river_job.unique_key`. */
export function uniqueKey(
  params: { kind: string; args: Record<string, unknown>; queue: string },
  opts: UniqueOpts,
  now: Date,
): Buffer {
  return createHash('sha256').update(uniqueKeyString(params, opts, now)).digest();
}

/**
 * The `bit(8)` text of a set of states: scheduled is the leftmost bit (`get_bit(mask, 0)`),
 * available the rightmost (`get_bit(mask, 7)`), as River stores `unique_states`.
 */
export function uniqueStatesBits(states: readonly JobState[] = DEFAULT_UNIQUE_STATES): string {
  return JOB_STATES.map((s) => (states.includes(s) ? '1' : '0'))
    .reverse()
    .join('');
}

/** The states a `bit(8)` text holds; the inverse of {@link uniqueStatesBits}. */
export function statesFromBits(bits: string): JobState[] {
  return JOB_STATES.filter((_, i) => bits[7 - i] === '1');
}
