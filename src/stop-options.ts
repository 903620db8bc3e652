import { unknownKeyIssues } from './did-you-mean.js';
import type { ValidationIssue } from './errors.js';

/** Options of `client.stop()` and `client.stopAndCancel()`. */
export interface StopOptions {
  /**
   * Most ms the stop may take. Default: none, it waits for every running job and every outcome
   * write. Near the deadline running jobs are cancelled; at it, what is left goes to the rescuer.
   */
  timeout?: number;
}

const KEYS = ['timeout'] as const;

/** What is wrong with stop options, if anything. */
export function stopOptionIssues(options: unknown): ValidationIssue[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return [{ path: '', message: `options must be an object such as { timeout: 10_000 }, got ${JSON.stringify(options)}` }];
  const issues = unknownKeyIssues(options, KEYS, '', 'a stop option');
  const { timeout } = options as StopOptions;
  if (timeout !== undefined && !(typeof timeout === 'number' && Number.isFinite(timeout) && timeout >= 0)) {
    issues.push({ path: 'timeout', message: `must be a number of ms >= 0, got ${JSON.stringify(timeout)}` });
  }
  return issues;
}
