import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { queueNameIssues } from '../insert/opts.js';

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** Problems with a job id: it must be a positive (safe) integer. */
export function jobIdIssues(value: unknown, path: string): ValidationIssue[] {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return [];
  return [{ path, message: `must be a positive integer job id, got ${show(value)}` }];
}

/** Throws a ValidationError unless `id` is a job id. */
export function assertJobId(context: string, id: unknown): asserts id is number {
  throwIfIssues(context, jobIdIssues(id, 'id'));
}

/** Throws a ValidationError unless `name` is a queue name, or with `allowAll` the wildcard `'*'`. */
export function assertQueueName(context: string, name: unknown, options: { allowAll?: boolean } = {}): asserts name is string {
  if (options.allowAll && name === '*') return;
  const issues = queueNameIssues(name, 'name');
  if (options.allowAll) for (const issue of issues) issue.message += ' (or "*" for every queue)';
  throwIfIssues(context, issues);
}
