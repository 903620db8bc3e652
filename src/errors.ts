/** One problem found in a value: where (`args.to`, `opts.priority`) and what. */
export interface ValidationIssue {
  /** Dotted path of the bad field, from the argument it came from: `args.to`, `opts.tags[1]`. */
  path: string;
  message: string;
}

/** The base class of every error Tributary throws on purpose. */
export class TributaryError extends Error {
  override name = 'TributaryError';
}

/**
 * Thrown when a value given to Tributary is invalid: job args that fail the job's schema, insert
 * options out of range, a bad client option. Nothing has been written when it is thrown.
 */
export class ValidationError extends TributaryError {
  override name = 'ValidationError';
  /** Every problem found, not just the first. */
  readonly issues: readonly ValidationIssue[];

  constructor(context: string, issues: readonly ValidationIssue[]) {
    super(`${context}: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('; ')}`);
    this.issues = issues;
  }

  /** Path of the first bad field, such as `args.to`. */
  get field(): string {
    return this.issues[0]?.path ?? '';
  }
}

/** Throws a {@link ValidationError} when `issues` is not empty. */
export function throwIfIssues(context: string, issues: readonly ValidationIssue[]): void {
  if (issues.length > 0) throw new ValidationError(context, issues);
}
