#!/usr/bin/env node
import { Command, Option } from 'commander';
import { migrate } from '../migrate/migrate.js';

const program = new Command('tributary')
  .description('Tributary: a background job queue on Postgres and Drizzle, compatible with River')
  .showHelpAfterError();

const databaseUrl = () =>
  new Option('--database-url <url>', 'Postgres connection string').env('DATABASE_URL').makeOptionMandatory();

program
  .command('migrate')
  .description("apply Tributary's migrations (River's tables and interop function); safe to run concurrently")
  .addOption(databaseUrl())
  .option('--schema <name>', 'Postgres schema for the tables (created if missing)')
  .action(async (opts: { databaseUrl: string; schema?: string }) => {
    const result = await migrate({
      databaseUrl: opts.databaseUrl,
      schema: opts.schema,
      onProgress: (line) => console.log(line),
    });
    console.log(
      result.applied.length > 0
        ? `migrated schema ${result.schema}: ${result.applied.length} migration(s) applied`
        : `schema ${result.schema} is up to date (${result.alreadyApplied.length} migration(s) applied before)`,
    );
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`tributary: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
