import { sql } from 'drizzle-orm';
import type { PgPool } from './sql/pg-pool.js';
import { databaseUrlIssues, maskPassword } from './database-url.js';
import { executeRows, sqlState, type DrizzleHandle } from './drizzle-handle.js';
import { QueryFailedError, MissingTablesError, TributaryError } from './errors.js';
import { query, quoteIdent } from './sql/query.js';

/**
 * Runs one read-only statement on a connection that can still run one (not a transaction the
 * failed statement aborted), to find out where the tables are.
 */
export type CatalogLookup = (text: string) => Promise<Record<string, unknown>[]>;

/** A {@link CatalogLookup} on a pool. */
export const poolLookup = (pool: PgPool): CatalogLookup => async (text) => (await pool.query(text)).rows;

/** A {@link CatalogLookup} through a Drizzle handle. */
export const handleLookup = (handle: DrizzleHandle): CatalogLookup => (text) => executeRows(handle, sql.raw(text));

/** Where the failing statement ran, to explain its error. */
export interface DatabaseErrorContext {
  /** Prefixes the message: `insert "send_email"`, `client.start()`, `jobList`. */
  context: string;
  /** The client's `schema` option. */
  schema: string | undefined;
  /** How to look up where the tables are; without one the message gives both fixes. */
  lookup?: CatalogLookup | undefined;
  /** The connection string the connection was made from, when known, to report it as invalid. */
  connectionString?: string | undefined;
}

// The schema, a table or the state enum are missing: the tables were never created here.
const MISSING = new Set(['3F000', '42P01', '42704']);
// Postgres' connection exceptions (class 08), authentication (28), an unknown database, a server starting or stopping.
const UNREACHABLE_SQLSTATE = /^(08|28|3D000|57P0[1-3])/;
const UNREACHABLE_ERRNO = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'ENOENT', 'EACCES']);
const UNREACHABLE_MESSAGE = /^(Connection terminated|timeout expired|timeout exceeded when trying to connect)/i;

type Wrapped = { query?: unknown; params?: unknown; cause?: unknown; constructor?: { name?: unknown } } | undefined;

// By shape: the application may hold another copy of drizzle-orm, and the class sets no name.
const isDrizzleQueryError = (e: Wrapped) =>
  e !== undefined && e !== null && e.cause !== undefined && (e.constructor?.name === 'DrizzleQueryError' || (typeof e.query === 'string' && 'params' in e));

/** The driver's own error inside Drizzle's `DrizzleQueryError` ("Failed query: <the SQL>"). */
function driverError(error: unknown): unknown {
  let e = error as Wrapped;
  for (let depth = 0; isDrizzleQueryError(e) && depth < 4; depth++) e = e!.cause as Wrapped;
  return e;
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A system error's code (`ECONNREFUSED`), also from an AggregateError of several addresses. */
function errnoCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof e?.code === 'string' && !/^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  return Array.isArray(e?.errors) ? errnoCode(e.errors[0]) : undefined;
}

function unreachable(driver: unknown): boolean {
  const state = sqlState(driver);
  if (state !== undefined) return UNREACHABLE_SQLSTATE.test(state);
  const code = errnoCode(driver);
  return (code !== undefined && UNREACHABLE_ERRNO.has(code)) || UNREACHABLE_MESSAGE.test(messageOf(driver));
}

interface TablesWhere {
  searchPath: string;
  /** Whether river_job is where the client looks. */
  here: boolean;
  /** Schemas that hold a river_job table. */
  schemas: string[];
}

async function whereAreTheTables(lookup: CatalogLookup, schema: string | undefined): Promise<TablesWhere | undefined> {
  // No parameters: the lookup may be a Drizzle handle, and the schema is a validated identifier.
  const target = schema ? `'${schema.replaceAll("'", "''")}'` : 'NULL';
  const text = `SELECT json_build_object(
  'searchPath', current_setting('search_path'),
  'here', to_regclass(coalesce(quote_ident(${target}::text) || '.', '') || 'river_job') IS NOT NULL,
  'schemas', coalesce((SELECT json_agg(n.nspname::text ORDER BY n.nspname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relname = 'river_job' AND c.relkind IN ('r', 'p')), '[]'::json))::text AS info`;
  try {
    const rows = await lookup(text);
    return JSON.parse(String(rows[0]?.info)) as TablesWhere;
  } catch {
    return undefined; // the message then gives both fixes
  }
}

const migrateCommand = (schema: string | undefined) => `\`npx tributary migrate${schema ? ` --schema ${schema}` : ''}\``;

async function missingTables(cause: unknown, missing: string, ctx: DatabaseErrorContext): Promise<MissingTablesError> {
  const found = ctx.lookup ? await whereAreTheTables(ctx.lookup, ctx.schema) : undefined;
  const where = ctx.schema ? `schema "${ctx.schema}"` : `the search_path (${found?.searchPath ?? 'the connection\'s default'})`;
  const elsewhere = found?.schemas.filter((s) => s !== ctx.schema) ?? [];
  let fix: string;
  if (found?.here) {
    // river_job is there but another table or the enum is not: a partial schema.
    fix = `${where} has river_job but not the rest of Tributary's tables: run ${migrateCommand(ctx.schema)}, or export every table of tributary-queue/schema to drizzle-kit and migrate`;
  } else if (elsewhere.length > 0) {
    const flag = elsewhere.length === 1 ? elsewhere[0] : '<name>';
    fix = `Tributary's tables are not in ${where} but in schema ${elsewhere.map((s) => `"${s}"`).join(', ')}: ` +
      `pass ${elsewhere.map((s) => `schema: '${s}'`).join(' or ')} (--schema ${flag} on the command line)`;
  } else if (found) {
    fix = `Tributary's tables are missing from ${where}: run ${migrateCommand(ctx.schema)}, or your drizzle-kit migrations (drizzle-kit migrate)`;
  } else {
    fix = `Tributary's tables are missing from ${where}: run ${migrateCommand(ctx.schema)}, or your drizzle-kit migrations; if they are in another schema, pass schema: '<name>'`;
  }
  return new MissingTablesError(`${ctx.context}: ${fix} (${missing})`, { cause, code: sqlState(cause) });
}

function unreachableError(error: unknown, ctx: DatabaseErrorContext): QueryFailedError {
  const driver = driverError(error);
  const code = sqlState(driver) ?? errnoCode(driver);
  const [badUrl] = databaseUrlIssues(ctx.connectionString, 'connection string');
  if (badUrl) return new QueryFailedError(`${ctx.context}: the connection string ${badUrl.message}`, { cause: error, code });
  const where = ctx.connectionString ? ` at ${maskPassword(ctx.connectionString)}` : '';
  const message = messageOf(driver) || (code ?? 'connection failed');
  const hint = code && UNREACHABLE_ERRNO.has(code) ? ': is Postgres running there? Check the connection string (DATABASE_URL)' : '';
  return new QueryFailedError(`${ctx.context}: cannot connect to the database${where}: ${message}${hint}`, { cause: error, code });
}

/**
 * The error to throw for a failed statement, saying what to do: missing tables name the fix
 * (migrate, or the `schema` that holds them), an unreachable database leads with the cause (and
 * an invalid connection string says so), and an error wrapped by Drizzle, whose message is the
 * whole SQL, leads with the driver's message. The original error is the `cause`. Anything else,
 * and Tributary's own errors, are returned unchanged.
 */
export async function explainDatabaseError(error: unknown, ctx: DatabaseErrorContext): Promise<unknown> {
  if (error instanceof TributaryError) return error;
  const driver = driverError(error);
  const state = sqlState(driver);
  if (state !== undefined && MISSING.has(state)) {
    const missing = /(?:relation|type|schema) "([^"]+)" does not exist/.exec(messageOf(driver))?.[0] ?? messageOf(driver);
    return missingTables(error, missing, ctx);
  }
  if (unreachable(driver)) return unreachableError(error, ctx);
  if (driver !== error) return new QueryFailedError(`${ctx.context}: ${messageOf(driver)}`, { cause: error, code: state ?? errnoCode(driver) });
  return error;
}

/** The connection string of a node-postgres pool, or of the pool behind a Drizzle `db`, if any. */
export function connectionStringOf(poolOrHandle: unknown): string | undefined {
  const p = poolOrHandle as { options?: { connectionString?: unknown }; $client?: { options?: { connectionString?: unknown } } } | undefined;
  const value = p?.options?.connectionString ?? p?.$client?.options?.connectionString;
  return typeof value === 'string' ? value : undefined;
}

/** The tables a working client needs; `tributary_client` is optional (the runtime warns without it). */
const RUNTIME_TABLES = ['river_job', 'river_queue', 'river_leader'] as const;

/**
 * Checks, in one round trip, that the tables a working client needs are where it looks, so that
 * `start()` fails with the fix instead of on the first statement that needs one.
 * @throws MissingTablesError naming the fix; QueryFailedError when the database cannot be reached.
 */
export async function checkRuntimeTables(pool: PgPool, schema: string | undefined, context: string): Promise<void> {
  const names = RUNTIME_TABLES.map((table) => (schema ? `${quoteIdent(schema)}.${table}` : table));
  const { text, values } = query`SELECT coalesce(json_agg(name), '[]'::json)::text AS missing
FROM json_array_elements_text(${JSON.stringify(names)}::json) AS name WHERE to_regclass(name) IS NULL`;
  let missing: string[];
  try {
    const [row] = (await pool.query(text, values)).rows;
    // A pool that is not Postgres (a test double) may answer nothing: no evidence of missing tables.
    missing = row?.missing === undefined ? [] : (JSON.parse(String(row.missing)) as string[]);
  } catch (error) {
    throw await explainDatabaseError(error, { context, schema, connectionString: connectionStringOf(pool) });
  }
  if (missing.length > 0) {
    throw await missingTables(undefined, `missing: ${missing.join(', ')}`, { context, schema, lookup: poolLookup(pool) });
  }
}
