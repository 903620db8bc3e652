import { Command } from 'commander';
import { migrate } from '../migrate/migrate.js';
import { migrationStatus } from '../migrate/migration-status.js';
import { databaseUrlOf, databaseUrlOption, schemaOption, type DatabaseOptions } from './options.js';

async function up(opts: DatabaseOptions): Promise<void> {
  const result = await migrate({ databaseUrl: databaseUrlOf(opts), schema: opts.schema, onProgress: (line) => console.log(line) });
  console.log(
    result.applied.length > 0
      ? `migrated schema ${result.schema}: ${result.applied.length} migration(s) applied`
      : `schema ${result.schema} is up to date (${result.alreadyApplied.length} migration(s) applied before)`,
  );
}

async function status(opts: DatabaseOptions): Promise<void> {
  const s = await migrationStatus({ databaseUrl: databaseUrlOf(opts), schema: opts.schema });
  if (s.managedElsewhere) {
    console.log(`schema ${s.schema}: river_job exists but was not made by tributary migrate (drizzle-kit or River manage it)`);
    return;
  }
  for (const tag of s.applied) console.log(`applied  ${tag}`);
  for (const tag of s.pending) console.log(`pending  ${tag}`);
  for (const tag of s.unknown) console.log(`unknown  ${tag} (from a newer Tributary)`);
  console.log(s.pending.length === 0 ? `schema ${s.schema} is up to date` : `schema ${s.schema}: ${s.pending.length} migration(s) pending; run tributary migrate`);
}

/** `tributary migrate [up|status]`. */
export function migrateCommand(): Command {
  const command = new Command('migrate').description("apply or inspect Tributary's migrations (River's tables, interop function, heartbeat table)");
  command
    .command('up', { isDefault: true })
    .description('apply pending migrations, in one transaction; safe to run from many processes at once')
    .addOption(databaseUrlOption())
    .addOption(schemaOption())
    .action(up);
  command.command('status').description('list applied and pending migrations; changes nothing').addOption(databaseUrlOption()).addOption(schemaOption()).action(status);
  return command;
}
