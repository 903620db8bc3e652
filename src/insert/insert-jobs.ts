import { TributaryError, ValidationError, type ValidationIssue } from '../errors.js';
import type { PgPool } from '../sql/pg-pool.js';
import { connectionStringOf, explainDatabaseError, handleLookup, poolLookup } from '../database-error.js';
import { executeRows, isTransaction, sqlState, type DrizzleHandle } from '../drizzle-handle.js';
import { kindIssues, validateArgs, type AnyJobDefinition } from '../job.js';
import { jobInsertMany, jobInsertManyQuery, type JobInsertRow } from '../sql/job-insert-many.js';
import { statementName } from '../sql/query.js';
import { byArgsFieldIssues } from './args-fields.js';
import { directConnection, type Direct } from './direct-connection.js';
import { copyJobs } from './insert-copy.js';
import { unstorableTextIssues } from './unstorable-text.js';
import { resultsInItemOrder, type InsertResult } from './insert-results.js';
import { insertOptsIssues, resolvedOptsIssues, resolveInsertOpts, type InsertOpts, type ResolvedInsertOpts } from './opts.js';
import { rowsToSend } from './same-key.js';
import { isUnique, uniqueKey, uniqueStatesBits } from './unique-key.js';
import { sequenceKey, sequenceMetadata } from './sequence-key.js';
import { SEQUENCE_METADATA_KEY, sequenceConflictIssues, sequenceKeyIssues } from './sequence-opts.js';
import { notifySequenced } from './sequence-notify.js';

export type { InsertResult } from './insert-results.js';

/** One job to insert: its definition, its args, and options for this insert only. */
export interface InsertItem {
  job: AnyJobDefinition;
  args: unknown;
  opts?: InsertOpts;
}

/** How the client inserts: where the tables are and its default options. */
export interface InsertContext {
  schema: string | undefined;
  defaults: InsertOpts | undefined;
  /** The client's pool, if it has one: to find the tables when an insert fails for want of them. */
  pool?: PgPool | undefined;
}

function isJobDefinition(value: unknown): value is AnyJobDefinition {
  const job = value as AnyJobDefinition | null;
  return typeof job?.kind === 'string' && typeof job.args?.['~standard']?.validate === 'function';
}

/** A job's own checks and options, for items with no options of their own. */
interface JobDefaults {
  defaults: InsertOpts | undefined;
  issues: ValidationIssue[];
  opts: ResolvedInsertOpts;
}

// Most items of a batch carry no options: resolving them once per job definition (they are
// frozen) rather than once per item was a fifth of a 1,000-job batch's time in JavaScript.
const jobDefaults = new WeakMap<AnyJobDefinition, JobDefaults>();

function issuesAndOpts(item: InsertItem, ctx: InsertContext): { issues: ValidationIssue[]; opts: ResolvedInsertOpts } {
  if (item.opts === undefined) {
    const known = jobDefaults.get(item.job);
    if (known && known.defaults === ctx.defaults) return known;
    const opts = resolveInsertOpts(undefined, item.job.insertOpts, ctx.defaults);
    const fresh = { defaults: ctx.defaults, issues: [...kindIssues(item.job.kind, 'job.kind'), ...resolvedOptsIssues(opts), ...sequenceConflictIssues(opts)], opts };
    jobDefaults.set(item.job, fresh);
    return fresh;
  }
  const opts = resolveInsertOpts(item.opts, item.job.insertOpts, ctx.defaults);
  const issues = [...kindIssues(item.job.kind, 'job.kind'), ...insertOptsIssues(item.opts, 'opts'), ...byArgsFieldIssues(item.opts, 'opts', item.job.args)];
  // Layers that are each valid may still combine badly; with one bad, it speaks for itself.
  return { issues: issues.length > 0 ? issues : [...resolvedOptsIssues(opts), ...sequenceConflictIssues(opts)], opts };
}

async function prepareRow(item: InsertItem, ord: number, ctx: InsertContext, now: Date): Promise<JobInsertRow | ValidationIssue[]> {
  if (!isJobDefinition(item?.job)) {
    return [{ path: 'job', message: 'must be a job definition made by defineJob()' }];
  }
  const { issues: own, opts } = issuesAndOpts(item, ctx);
  const args = await validateArgs(item.job, item.args);
  if (own.length > 0 || args.issues) return [...own, ...(args.issues ?? [])];
  const argsText = JSON.stringify(args.value);
  let metadata = opts.metadata;
  if (opts.sequence) {
    const key = sequenceKey({ kind: item.job.kind, args: args.value, queue: opts.queue }, opts.sequence);
    const tooLong = sequenceKeyIssues(key);
    if (tooLong.length > 0) return tooLong;
    metadata = { ...metadata, [SEQUENCE_METADATA_KEY]: sequenceMetadata(key, opts.sequence) };
  }
  const metadataText = JSON.stringify(metadata);
  const unstorable = [...unstorableTextIssues(args.value, argsText, 'args'), ...unstorableTextIssues(opts.metadata, metadataText, 'metadata')];
  if (unstorable.length > 0) return unstorable;
  const unique = isUnique(opts.uniqueOpts) ? opts.uniqueOpts : undefined;
  const row: JobInsertRow = {
    ord,
    args: argsText,
    kind: item.job.kind,
    max_attempts: opts.maxAttempts,
    metadata: metadataText,
    pending: opts.pending || opts.sequence !== undefined,
    priority: opts.priority,
    queue: opts.queue,
    scheduled_at: opts.scheduledAt ? opts.scheduledAt.toISOString() : null,
    tags: opts.tags,
    unique_key: unique ? uniqueKey({ kind: item.job.kind, args: args.value, queue: opts.queue }, unique, now).toString('hex') : null,
    unique_states: unique ? uniqueStatesBits(unique.byState) : null,
    replace: unique?.onConflict === 'replace',
    sequenced: opts.sequence !== undefined,
  };
  return row;
}

async function explainInsertError(error: unknown, handle: DrizzleHandle, ctx: InsertContext, context: string): Promise<unknown> {
  if (sqlState(error) === '42P10') {
    const where = ctx.schema ? `schema "${ctx.schema}"` : 'the search_path';
    return new TributaryError(`river_job in ${where} has no unique index river_job_unique_idx matching River's: the schema is not Tributary's (or River's)`, { cause: error });
  }
  // The failed statement aborted the caller's transaction, if it is one: look elsewhere.
  const lookup = ctx.pool ? poolLookup(ctx.pool) : isTransaction(handle) ? undefined : handleLookup(handle);
  return explainDatabaseError(error, { context, schema: ctx.schema, lookup, connectionString: connectionStringOf(handle) ?? connectionStringOf(ctx.pool) });
}

/**
 * Validates every item, then inserts them all in one statement through the caller's Drizzle
 * handle, so they commit or roll back with the caller's transaction. Nothing is written when any
 * item is invalid. Results come back in the items' order.
 */
export async function insertJobs(handle: DrizzleHandle, items: readonly InsertItem[], ctx: InsertContext, context: (index: number) => string): Promise<InsertResult[]> {
  const results = await insertRows(handle, items, ctx, context);
  if (results.sequenced) {
    try {
      await notifySequenced(handle, ctx.schema);
    } catch (error) {
      throw await explainInsertError(error, handle, ctx, context(-1));
    }
  }
  return results.results;
}

async function insertRows(handle: DrizzleHandle, items: readonly InsertItem[], ctx: InsertContext, context: (index: number) => string): Promise<{ results: InsertResult[]; sequenced: boolean }> {
  if (!Array.isArray(items)) throw new ValidationError(context(-1), [{ path: 'items', message: 'must be an array' }]);
  if (items.length === 0) return { results: [], sequenced: false };
  const direct = directConnection(handle);
  const copyFrom = isTransaction(handle) ? COPY_MIN_ROWS.transaction : COPY_MIN_ROWS.database;
  // A batch that will go through COPY gets its connection checked out and its transaction begun
  // before the items are validated: Postgres begins it while JavaScript validates. An error
  // opening it waits for validation, which reports bad items first.
  const opened = direct && items.length >= copyFrom && !mayBeUnique(items, ctx)
    ? await direct.openCopy().then((session) => ({ session }), (error: unknown) => ({ error }))
    : undefined;
  const release = () => (opened && 'session' in opened ? opened.session?.rollback() : undefined);

  let rows: JobInsertRow[];
  try {
    rows = await validRows(items, ctx, context);
  } catch (error) {
    await release();
    throw error;
  }

  const sent = rowsToSend(rows);

  const sequenced = sent.some((row) => row.sequenced);
  try {
    const copies = direct && sent.length >= copyFrom && sent.every((row) => row.unique_key === null);
    if (!copies) await release();
    if (opened && 'error' in opened) throw opened.error;
    const session = copies ? (opened ? opened.session : await direct.openCopy()) : undefined;
    if (session) {
      try {
        await session.begun;
        const results = await copyJobs(session.connection, sent, ctx.schema);
        await session.commit();
        return { results, sequenced };
      } catch (error) {
        await session.rollback();
        throw error;
      }
    }
    return { results: resultsInItemOrder(rows, sent, await insertStatement(handle, direct, sent, ctx.schema)), sequenced };
  } catch (error) {
    throw await explainInsertError(error, handle, ctx, context(-1));
  }
}

/**
 * Every item as the row to send, or the first invalid item's issues thrown as a ValidationError;
 * for tasks a worker adds to its workflow, which the completer inserts in its own transaction.
 */
export const prepareInsertRows = (items: readonly InsertItem[], ctx: InsertContext, context: (index: number) => string): Promise<JobInsertRow[]> =>
  validRows(items, ctx, context);

/** Every item as the row to send, or the first invalid item's issues thrown as a ValidationError. */
async function validRows(items: readonly InsertItem[], ctx: InsertContext, context: (index: number) => string): Promise<JobInsertRow[]> {
  const now = new Date();
  const prepared = await Promise.all(items.map((item, i) => prepareRow(item, i, ctx, now)));
  const bad = prepared.findIndex((row) => Array.isArray(row));
  if (bad >= 0) throw new ValidationError(context(bad), prepared[bad] as ValidationIssue[]);
  return prepared as JobInsertRow[];
}

/** Whether any item may be unique, before validation: whether any layer of its options sets uniqueOpts. */
function mayBeUnique(items: readonly InsertItem[], ctx: InsertContext): boolean {
  return ctx.defaults?.uniqueOpts !== undefined || items.some((item) => item?.opts?.uniqueOpts !== undefined || item?.job?.insertOpts?.uniqueOpts !== undefined);
}

/**
 * Batches of at least this many jobs, none of them unique, are inserted through COPY; smaller
 * ones through the prepared statement, one round trip where COPY takes two in the caller's
 * transaction and four through a `db` (BEGIN and COMMIT of its own). Where the two cross,
 * measured on node-postgres, Postgres 17, 2 cores: the statement is ahead below about 40 jobs in
 * a transaction and below about 220 through a `db`; COPY takes half the time at 1,000.
 */
export const COPY_MIN_ROWS = { transaction: 50, database: 250 } as const;

/**
 * Inserts through `jobInsertMany` (needed for unique rows: COPY has no ON CONFLICT), prepared
 * where the driver is reached directly, else through Drizzle's `execute`. Returns one text per row.
 */
async function insertStatement(handle: DrizzleHandle, direct: Direct | undefined, rows: readonly JobInsertRow[], schema: string | undefined): Promise<string[]> {
  if (direct) {
    const q = jobInsertManyQuery({ schema, rows });
    return (await direct.query(q, statementName('tributary_job_insert_many', q.text))).map((row) => String(row[0]));
  }
  return (await executeRows(handle, jobInsertMany({ schema, rows }))).map((row) => String(row.job));
}
