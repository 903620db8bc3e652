import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { isPlainObject } from '../json-value.js';
import { jobIdIssues } from '../admin/admin-input.js';
import type { JobRow } from '../job-row.js';

/** Options of `client.waitFor()`. */
export interface WaitOptions {
  /** Milliseconds to wait before rejecting with a WaitTimeoutError. Default: no limit. */
  timeout?: number;
  /** Rejects the wait with the signal's reason once aborted (the job itself is left alone). */
  signal?: AbortSignal;
}

/** The longest timeout a Node timer takes. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
const OPTION_NAMES = ['timeout', 'signal'] as const satisfies readonly (keyof WaitOptions)[];

/** What waitFor is given: a job id, a job row, or an insert result holding one. */
export type WaitTarget = number | JobRow<unknown> | { readonly job: JobRow<unknown> };

/** The job id of what waitFor is given, and its options validated. @throws ValidationError naming the bad field. */
export function resolveWaitArgs(target: unknown, options: unknown): { id: number; options: WaitOptions } {
  const issues: ValidationIssue[] = [];
  const candidate = typeof target === 'object' && target !== null ? (('job' in target ? (target as { job: unknown }).job : target) as { id?: unknown }) : undefined;
  const id = typeof target === 'number' ? target : candidate?.id;
  if (typeof target !== 'number' && typeof candidate?.id !== 'number') {
    issues.push({ path: 'job', message: 'must be a job id, a job row or an insert result' });
  } else {
    issues.push(...jobIdIssues(id, typeof target === 'number' ? 'id' : 'job.id'));
  }
  if (options !== undefined && !isPlainObject(options)) {
    issues.push({ path: 'options', message: 'must be an object of { timeout?, signal? }' });
  } else if (options !== undefined) {
    issues.push(...unknownKeyIssues(options, OPTION_NAMES, 'options', 'a waitFor option'));
    const { timeout, signal } = options as WaitOptions;
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout >= 0 && timeout <= MAX_TIMEOUT_MS)) {
      issues.push({ path: 'options.timeout', message: `must be a whole number of milliseconds from 0 to ${MAX_TIMEOUT_MS}, got ${timeout}` });
    }
    if (signal !== undefined && !(signal instanceof AbortSignal)) issues.push({ path: 'options.signal', message: 'must be an AbortSignal' });
  }
  throwIfIssues('waitFor()', issues);
  return { id: id as number, options: (options ?? {}) as WaitOptions };
}
