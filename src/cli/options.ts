import { Option } from 'commander';
import { databaseUrlIssues } from '../database-url.js';
import { UsageError } from './usage-error.js';

/** `--database-url`, falling back to DATABASE_URL; required. */
export const databaseUrlOption = () =>
  new Option('--database-url <url>', 'Postgres connection string (default: $DATABASE_URL)').env('DATABASE_URL').makeOptionMandatory();

/** `--schema`: the Postgres schema of the tables. */
export const schemaOption = () => new Option('--schema <name>', 'Postgres schema of the tables (default: the search_path)');

/** Options every database command takes. */
export interface DatabaseOptions {
  databaseUrl: string;
  schema?: string;
}

/**
 * The command's connection string, checked: node-postgres would take `not-a-url` for a host
 * name and fail as `getaddrinfo ENOTFOUND base`.
 * @throws UsageError (exit code 2) naming the flag, with the password masked.
 */
export function databaseUrlOf(opts: { databaseUrl: string }): string {
  const [issue] = databaseUrlIssues(opts.databaseUrl);
  if (issue) throw new UsageError(`--database-url (or DATABASE_URL): ${issue.message}`);
  return opts.databaseUrl;
}
