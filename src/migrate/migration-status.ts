import pg from 'pg';
import { connectionStringOf, explainDatabaseError } from '../database-error.js';
import { throwIfIssues } from '../errors.js';
import { MIGRATION_TABLE, migrateOptionIssues, type MigrateOptions } from './migrate.js';
import { readMigrationFiles } from './migration-files.js';

/** What {@link migrationStatus} found. */
export interface MigrationStatus {
  /** The schema inspected. */
  schema: string;
  /** Shipped migrations recorded as applied, in order. */
  applied: string[];
  /** Shipped migrations not applied yet, in order. */
  pending: string[];
  /** Recorded migrations this version does not ship (the database was migrated by a newer version). */
  unknown: string[];
  /** True when the schema has river_job but no tracking table: another tool (drizzle-kit, River) manages it. */
  managedElsewhere: boolean;
}

/**
 * Reports which of the shipped migrations a schema has, without changing anything or taking
 * the migration lock.
 */
export async function migrationStatus(options: Omit<MigrateOptions, 'onProgress'>): Promise<MigrationStatus> {
  throwIfIssues('migrationStatus', migrateOptionIssues(options, ['pool', 'databaseUrl', 'schema']));
  const known = await readMigrationFiles();
  const own = options.pool ? undefined : new pg.Client({ connectionString: options.databaseUrl });
  own?.on('error', () => {});
  let connected = false;
  try {
    await own?.connect();
    connected = true;
    const db = own ?? options.pool!;
    const { rows } = await db.query(
      `SELECT s AS schema,
              to_regclass(format('%I.%I', s, $2::text)) IS NOT NULL AS tracked,
              to_regclass(format('%I.river_job', s)) IS NOT NULL AS has_jobs
       FROM coalesce($1::text, current_schema()) AS s`,
      [options.schema ?? null, MIGRATION_TABLE],
    );
    const { schema, tracked, has_jobs: hasJobs } = rows[0] as { schema: string; tracked: boolean; has_jobs: boolean };
    const recorded = tracked
      ? new Set((await db.query(`SELECT tag FROM ${pg.escapeIdentifier(schema)}.${MIGRATION_TABLE}`)).rows.map((r: { tag: string }) => r.tag))
      : new Set<string>();
    const shipped = new Set(known.map((m) => m.tag));
    return {
      schema,
      applied: known.filter((m) => recorded.has(m.tag)).map((m) => m.tag),
      pending: known.filter((m) => !recorded.has(m.tag)).map((m) => m.tag),
      unknown: [...recorded].filter((tag) => !shipped.has(tag)).sort(),
      managedElsewhere: !tracked && hasJobs,
    };
  } catch (error) {
    throw await explainDatabaseError(error, { context: 'migrationStatus', schema: options.schema, connectionString: options.databaseUrl ?? connectionStringOf(options.pool) });
  } finally {
    if (connected) await own?.end();
  }
}
