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

/**
 * Thrown when the database refused or could not run a statement: unreachable, a bad connection
 * string, missing tables, or any other database error met by an insert. The message leads with
 * the cause and says what to do; the driver's own error (with the SQL) is kept as `cause`.
 */
export class QueryFailedError extends TributaryError {
  override name = 'QueryFailedError';
  /** The Postgres SQLSTATE (`42P01`) or the system error code (`ECONNREFUSED`), when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { cause?: unknown; code?: string | undefined } = {}) {
    super(message, { cause: options.cause });
    this.code = options.code;
  }
}

/**
 * Thrown when Tributary's tables are not where the client looks: in the `schema` option, or the
 * connection's `search_path` without one. The message names the fix: migrate, or the `schema`
 * that does hold them.
 */
export class MissingTablesError extends QueryFailedError {
  override name = 'MissingTablesError';
}
