import pg from 'pg';
import { schemaNameIssues } from '../sql/schema-name.js';
import type { PgPool } from '../sql/pg-pool.js';
import { quoteIdent } from '../sql/query.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { connectionStringOf, explainDatabaseError } from '../database-error.js';
import { databaseUrlIssues } from '../database-url.js';
import { TributaryError, throwIfIssues, type ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { readMigrationFiles, type MigrationFile } from './migration-files.js';

/** Options of {@link migrate}: a `pool` or a `databaseUrl`. */
export interface MigrateOptions {
  /** A node-postgres pool on the database. */
  pool?: PgPool;
  /** A connection string, used when no pool is given. */
  databaseUrl?: string;
  /**
   * The Postgres schema to put the tables in, created if missing. Default: the connection's
   * current schema (normally `public`).
   */
  schema?: string;
  /** Called with a line per migration applied. Default: silent. */
  onProgress?: (message: string) => void;
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** The schema that holds the tables. */
  schema: string;
  /** Tags applied by this call, in order. */
  applied: string[];
  /** Tags that were already applied. */
  alreadyApplied: string[];
}

/** The tracking table of `tributary migrate`, beside the queue's tables. */
export const MIGRATION_TABLE = 'tributary_migration';
// First key of the two-key advisory lock; the second is the target schema's hash.
const LOCK_NAMESPACE = 0x7472_6962; // "trib"

const OPTION_NAMES = ['pool', 'databaseUrl', 'schema', 'onProgress'] as const satisfies readonly (keyof MigrateOptions)[];

/**
 * Problems with the options of {@link migrate} (or, with `names` narrowed, `migrationStatus`),
 * every one before anything connects: a misspelt `schema` would otherwise migrate the default one.
 */
export function migrateOptionIssues(options: unknown, names: readonly string[] = OPTION_NAMES): ValidationIssue[] {
  if (!isPlainObject(options)) return [{ path: 'options', message: 'must be an object of { pool } or { databaseUrl }' }];
  const issues = unknownKeyIssues(options, names, '', 'a migrate option');
  if (!options.pool && !options.databaseUrl) issues.push({ path: 'pool', message: 'give a pool or a databaseUrl' });
  issues.push(...schemaNameIssues(options.schema), ...databaseUrlIssues(options.databaseUrl));
  if (options.pool !== undefined) issues.push(...databaseUrlIssues(connectionStringOf(options.pool), 'pool.options.connectionString'));
  if (names.includes('onProgress') && options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    issues.push({ path: 'onProgress', message: 'must be a function (message) => void' });
  }
  return issues;
}

type Queryable = { query(text: string, values?: unknown[]): Promise<{ rows: any[] }> };


async function checkKnownState(db: Queryable, schema: string, known: MigrationFile[]): Promise<Set<string>> {
  const { rows } = await db.query(
    `SELECT to_regclass(format('%I.%I', $1::text, $2::text)) IS NOT NULL AS tracked,
            to_regclass(format('%I.river_job', $1::text)) IS NOT NULL AS has_jobs`,
    [schema, MIGRATION_TABLE],
  );
  const { tracked, has_jobs: hasJobs } = rows[0];
  if (!tracked) {
    if (hasJobs) {
      throw new TributaryError(
        `schema "${schema}" already has river_job but no ${MIGRATION_TABLE} table: its tables were made by another tool ` +
          `(drizzle-kit from your own schema, or River's migrator). Keep migrating with that tool; tributary migrate will not touch them.`,
      );
    }
    await db.query(
      `CREATE TABLE ${quoteIdent(schema)}.${MIGRATION_TABLE} (tag text PRIMARY KEY, hash text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    return new Set();
  }
  const applied = (await db.query(`SELECT tag, hash FROM ${quoteIdent(schema)}.${MIGRATION_TABLE}`)).rows as { tag: string; hash: string }[];
  const byTag = new Map(known.map((m) => [m.tag, m]));
  for (const row of applied) {
    const migration = byTag.get(row.tag);
    if (!migration) {
      throw new TributaryError(
        `schema "${schema}" has migration ${row.tag}, unknown to this version of Tributary: it was migrated by a newer version; upgrade tributary`,
      );
    }
    if (migration.hash !== row.hash) {
      throw new TributaryError(`schema "${schema}": migration ${row.tag} was applied from different SQL than this version ships`);
    }
  }
  if (applied.length > 0 && !hasJobs) {
    throw new TributaryError(`schema "${schema}" records applied migrations but has no river_job table: it was dropped by hand`);
  }
  return new Set(applied.map((r) => r.tag));
}

/**
 * Applies Tributary's shipped migrations (River's tables, and River's interop function and
 * migration rows), for applications that do not run drizzle-kit themselves.
 *
 * Safe to run from many processes at once (an advisory lock serializes them) and idempotent. All
 * pending migrations apply in one transaction: all or nothing.
 *
 * @throws ValidationError for bad or unknown options, before connecting; QueryFailedError when the
 *   database cannot be reached; TributaryError when the database is in a state it does not
 *   know: tables made by another tool, or migrations from a newer version.
 */
export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  throwIfIssues('migrate', migrateOptionIssues(options));
  try {
    return await migrateValidated(options);
  } catch (error) {
    throw await explainDatabaseError(error, { context: 'migrate', schema: options.schema, connectionString: options.databaseUrl ?? connectionStringOf(options.pool) });
  }
}

async function migrateValidated(options: MigrateOptions): Promise<MigrateResult> {
  const known = await readMigrationFiles();
  const progress = options.onProgress ?? (() => {});

  let release: () => Promise<void>;
  let db: Queryable;
  // node-postgres also emits a dropped connection as an 'error' event, which would crash the
  // process if nobody listened; the query in flight rejects with the same error anyway.
  const ignore = () => {};
  if (options.pool) {
    const client = (await options.pool.connect()) as Awaited<ReturnType<PgPool['connect']>> & Partial<pg.ClientBase>;
    client.on?.('error', ignore);
    db = client;
    release = async () => {
      client.off?.('error', ignore);
      client.release();
    };
  } else {
    const client = new pg.Client({ connectionString: options.databaseUrl });
    client.on('error', ignore);
    await client.connect();
    db = client;
    release = () => client.end();
  }
  try {
    await db.query('BEGIN');
    try {
      await db.query(`SELECT pg_advisory_xact_lock($1::int, hashtext(coalesce($2::text, current_schema(), '')))`, [
        LOCK_NAMESPACE,
        options.schema ?? null,
      ]);
      if (options.schema) {
        await db.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(options.schema)}`);
        await db.query(`SET LOCAL search_path TO ${quoteIdent(options.schema)}`);
      }
      const schema = (await db.query('SELECT current_schema() AS s')).rows[0].s as string | null;
      if (!schema) throw new TributaryError('no schema to migrate into: the search_path names no existing schema');

      const done = await checkKnownState(db, schema, known);
      const applied: string[] = [];
      for (const migration of known) {
        if (done.has(migration.tag)) continue;
        for (const statement of migration.statements) {
          // drizzle-kit qualifies enums with "public"; the tables follow the search_path.
          await db.query(statement.replaceAll('"public".', `${quoteIdent(schema)}.`));
        }
        await db.query(`INSERT INTO ${quoteIdent(schema)}.${MIGRATION_TABLE} (tag, hash) VALUES ($1, $2)`, [migration.tag, migration.hash]);
        applied.push(migration.tag);
        progress(`applied ${migration.tag} in schema ${schema}`);
      }
      await db.query('COMMIT');
      return { schema, applied, alreadyApplied: known.filter((m) => done.has(m.tag)).map((m) => m.tag) };
    } catch (error) {
      await db.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    await release();
  }
}
