import { unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import type { ArgsField } from './args-field.js';

/**
 * Makes a job part of a sequence: jobs with the same sequence key run one at a time, in insert
 * (id) order, across every client. The key is the kind, plus the named args when `byArgs`, plus
 * the queue when `byQueue`; `sequence: {}` makes one sequence per kind.
 *
 * A job that fails and will retry holds its sequence until it ends. A job that ran and ended
 * cancelled or discarded halts its sequence until it is retried, deleted or resumed
 * (`client.sequenceResume(key)`), unless the matching `continueOn*` is set on it.
 */
export interface SequenceOpts<Args = Record<string, unknown>> {
  /**
   * Put args in the key. `true`: all of them (top-level keys sorted). A list of top-level field
   * names: only those (`['accountId']`: one sequence per account); a listed field absent from a
   * job's args is left out of its key. Default: no args, one sequence per kind.
   */
  byArgs?: true | readonly ArgsField<Args>[];
  /** Put the queue in the key, so the same kind in two queues makes two sequences. Default `false`. */
  byQueue?: boolean;
  /** When this job ends cancelled, go on with the next job instead of halting. Default `false`. */
  continueOnCancelled?: boolean;
  /** When this job ends discarded, go on with the next job instead of halting. Default `false`. */
  continueOnDiscarded?: boolean;
}

/** The `river_job.metadata` key that holds a job's sequence, readable by River UI and River's clients. */
export const SEQUENCE_METADATA_KEY = 'tributary:sequence';

/**
 * Longest sequence key, in bytes of UTF-8: the key is indexed, and a b-tree entry must fit in a
 * third of a page (about 2,700 bytes). A key this long means byArgs names large values.
 */
export const MAX_SEQUENCE_KEY_BYTES = 1024;

const SEQUENCE_OPT_NAMES = ['byArgs', 'byQueue', 'continueOnCancelled', 'continueOnDiscarded'] as const satisfies readonly (keyof SequenceOpts)[];

/** Problems with one layer's `sequence` option, or none; `path` is where it sits (`opts.sequence`). */
export function sequenceOptsIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: 'must be an object of { byArgs?, byQueue?, continueOnCancelled?, continueOnDiscarded? }' }];
  const issues = unknownKeyIssues(value, SEQUENCE_OPT_NAMES, path, 'a sequence option');
  const byArgs = value.byArgs;
  if (byArgs !== undefined && byArgs !== true) {
    if (!Array.isArray(byArgs)) {
      issues.push({ path: `${path}.byArgs`, message: `must be true or a list of top-level args field names, got ${String(byArgs)}` });
    } else if (byArgs.length === 0) {
      issues.push({ path: `${path}.byArgs`, message: 'is an empty list, which names no args: name top-level args fields, use true for all of them, or leave byArgs out for one sequence per kind' });
    } else {
      byArgs.forEach((name: unknown, i) => {
        const at = `${path}.byArgs[${i}]`;
        if (typeof name !== 'string' || name.length === 0) issues.push({ path: at, message: `must be a top-level args field name, got ${typeof name === 'string' ? 'an empty string' : String(name)}` });
        else if (name.includes('.')) issues.push({ path: at, message: `"${name}" names a nested field: byArgs takes top-level field names only` });
        else if (byArgs.indexOf(name) < i) issues.push({ path: at, message: `"${name}" is listed twice` });
      });
    }
  }
  for (const key of ['byQueue', 'continueOnCancelled', 'continueOnDiscarded'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') issues.push({ path: `${path}.${key}`, message: `must be a boolean, got ${String(value[key])}` });
  }
  return issues;
}

/**
 * Problems of a sequence with the other options it was resolved with (they may come from
 * different layers). `pending: true` contradicts it: the sequence decides when the job leaves
 * `pending`. A unique job whose `byState` leaves out `retryable` contradicts it: a duplicate
 * inserted while the job waits to retry would make the scheduler discard the job (River's rule),
 * and a discarded job halts its sequence.
 */
export function sequenceConflictIssues(opts: {
  sequence: SequenceOpts | undefined; pending: boolean; uniqueOpts: { byState?: readonly string[]; onConflict?: string } | undefined;
}): ValidationIssue[] {
  if (!opts.sequence) return [];
  const issues: ValidationIssue[] = [];
  if (opts.pending) {
    issues.push({ path: 'sequence', message: 'cannot be combined with pending: true: a sequenced job is inserted pending, and its sequence makes it available when its turn comes' });
  }
  if (opts.uniqueOpts?.onConflict === 'replace') {
    issues.push({ path: 'uniqueOpts.onConflict', message: "'replace' cannot be combined with a sequence: replaced args could belong to another sequence than the one the job waits in" });
  }
  const byState = opts.uniqueOpts?.byState;
  if (byState && !byState.includes('retryable')) {
    issues.push({ path: 'uniqueOpts.byState', message: 'must include retryable on a sequenced job: a duplicate inserted while it waits to retry would get it discarded, halting its sequence' });
  }
  return issues;
}

/** An issue when a key is too long to index, naming the field that made it long. */
export function sequenceKeyIssues(key: string): ValidationIssue[] {
  const bytes = Buffer.byteLength(key);
  if (bytes <= MAX_SEQUENCE_KEY_BYTES) return [];
  return [{ path: 'sequence.byArgs', message: `makes a sequence key of ${bytes} bytes, over the ${MAX_SEQUENCE_KEY_BYTES} that can be indexed: name fewer or smaller args fields` }];
}
