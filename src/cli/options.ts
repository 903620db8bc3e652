import { Option } from 'commander';

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
