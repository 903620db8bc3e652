import { ValidationError } from '../errors.js';

/**
 * A command line that parsed but asks for something invalid (an unknown state, a cursor made
 * for another order): printed as `tributary: <message>`, exit code 2.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * Rewrites a ValidationError from the client's admin API in terms of the command line: each
 * issue's path (`states[0]`, `limit`) becomes the flag it came from (`--state`, `--limit`), as
 * given in `flags`. Other errors are returned unchanged.
 */
export function asUsageError(error: unknown, flags: Record<string, string> = {}): unknown {
  if (!(error instanceof ValidationError)) return error;
  const issues = error.issues.map(({ path, message }) => {
    const key = path.replace(/[[.].*$/, '');
    const where = flags[key] ?? path;
    return where ? `${where}: ${message}` : message;
  });
  // One issue per line: messages hold semicolons of their own.
  return new UsageError(issues.join('\n  '), { cause: error });
}
