import { TributaryError, ValidationError, type ValidationIssue } from '../errors.js';
import type { PgPool } from '../sql/pg-pool.js';
import { connectionStringOf, explainDatabaseError, handleLookup, poolLookup } from '../database-error.js';
import { executeRows, isTransaction, sqlState, type DrizzleHandle } from '../drizzle-handle.js';
import { kindIssues, validateArgs, type AnyJobDefinition } from '../job.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import { jobInsertMany, type JobInsertRow } from '../sql/job-insert-many.js';
import { byArgsFieldIssues } from './args-fields.js';
import { insertOptsIssues, resolveInsertOpts, type InsertOpts } from './opts.js';
import { isUnique, statesFromBits, uniqueKey, uniqueStatesBits } from './unique-key.js';
import type { JobState } from '../schema/job-state.js';

/** One job to insert: its definition, its args, and options for this insert only. */
export interface InsertItem {
  job: AnyJobDefinition;
  args: unknown;
  opts?: InsertOpts;
}

/** What an insert returns for each job. */
export interface InsertResult<Args = Record<string, unknown>> {
  /** The job as stored; for a unique duplicate, the job that was already there. */
  job: JobRow<Args>;
  /** True when a unique job with the same key existed, so nothing was inserted. */
  uniqueSkippedAsDuplicate: boolean;
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

async function prepareRow(item: InsertItem, ord: number, ctx: InsertContext, now: Date): Promise<JobInsertRow | ValidationIssue[]> {
  if (!isJobDefinition(item?.job)) {
    return [{ path: 'job', message: 'must be a job definition made by defineJob()' }];
  }
  const issues = [
    ...kindIssues(item.job.kind, 'job.kind'),
    ...insertOptsIssues(item.opts, 'opts'),
    ...byArgsFieldIssues(item.opts, 'opts', item.job.args),
  ];
  const args = await validateArgs(item.job, item.args);
  if (args.issues) issues.push(...args.issues);
  if (issues.length > 0 || !args.value) return issues;

  const opts = resolveInsertOpts(item.opts, item.job.insertOpts, ctx.defaults);
  const unique = isUnique(opts.uniqueOpts) ? opts.uniqueOpts : undefined;
  return {
    ord,
    args: JSON.stringify(args.value),
    kind: item.job.kind,
    max_attempts: opts.maxAttempts,
    metadata: JSON.stringify(opts.metadata),
    pending: opts.pending,
    priority: opts.priority,
    queue: opts.queue,
    scheduled_at: opts.scheduledAt ? opts.scheduledAt.toISOString() : null,
    tags: opts.tags,
    unique_key: unique ? uniqueKey({ kind: item.job.kind, args: args.value, queue: opts.queue }, unique, now).toString('hex') : null,
    unique_states: unique ? uniqueStatesBits(unique.byState) : null,
  };
}

/** What the database chose for a new row: id, state, created_at, scheduled_at, unique key hex. */
type Inserted = [id: number, state: JobState, createdAt: string, scheduledAt: string, uniqueKey: string | null];

/** A newly inserted job, from what was sent and what the database chose. */
function newJobRow(row: JobInsertRow, [id, state, createdAt, scheduledAt, uniqueKey]: Inserted, date: (text: string) => Date): JobRow {
  return {
    id,
    state,
    attempt: 0,
    maxAttempts: row.max_attempts,
    attemptedAt: null,
    createdAt: date(createdAt),
    finalizedAt: null,
    scheduledAt: date(scheduledAt),
    priority: row.priority,
    // Parsed from the text sent, so the job holds its own copy, as one read back would.
    args: JSON.parse(row.args) as Record<string, unknown>,
    attemptedBy: [],
    errors: [],
    kind: row.kind,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    queue: row.queue,
    tags: [...row.tags],
    uniqueKey: uniqueKey === null ? null : Buffer.from(uniqueKey, 'hex'),
    uniqueStates: row.unique_states === null ? null : statesFromBits(row.unique_states),
  };
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
  if (!Array.isArray(items)) throw new ValidationError(context(-1), [{ path: 'items', message: 'must be an array' }]);
  if (items.length === 0) return [];
  const now = new Date();
  const prepared = await Promise.all(items.map((item, i) => prepareRow(item, i, ctx, now)));
  const bad = prepared.findIndex((row) => Array.isArray(row));
  if (bad >= 0) throw new ValidationError(context(bad), prepared[bad] as ValidationIssue[]);
  const rows = prepared as JobInsertRow[];

  // Two items with one unique key in a batch: only the first is sent (ON CONFLICT may not touch
  // a row twice in one statement); the others are its duplicates.
  const keys = new Set<string>();
  const sent = rows.filter((row) => {
    if (row.unique_key === null) return true;
    if (keys.has(row.unique_key)) return false;
    keys.add(row.unique_key);
    return true;
  });

  let returned: Record<string, unknown>[];
  try {
    returned = await executeRows(handle, jobInsertMany({ schema: ctx.schema, rows: sent }));
  } catch (error) {
    throw await explainInsertError(error, handle, ctx, context(-1));
  }
  return resultsInItemOrder(rows, returned);
}

/**
 * Pairs each item with its returned row. A duplicate comes back whole; a new row as the values the
 * database chose, completed from what was sent. Unique rows are matched by key, the rest by id:
 * ids are drawn in insertion order.
 */
function resultsInItemOrder(rows: readonly JobInsertRow[], returned: readonly Record<string, unknown>[]): InsertResult[] {
  const byKey = new Map<string, JobRow | Inserted>();
  const plain: Inserted[] = [];
  for (const r of returned) {
    const text = String(r.job);
    if (text.startsWith('{')) {
      const job = jobRowFromJson<Record<string, unknown>>(JSON.parse(text) as Record<string, unknown>);
      byKey.set(job.uniqueKey?.toString('hex') ?? '', job);
      continue;
    }
    const inserted = JSON.parse(text) as Inserted;
    if (inserted[4] !== null) byKey.set(inserted[4], inserted);
    else plain.push(inserted);
  }
  plain.sort((a, b) => a[0] - b[0]);
  let nextPlain = 0;
  // A batch's rows share one created_at and mostly one scheduled_at; Date's parser is slow on
  // Postgres' microsecond timestamps, so each distinct text is parsed once.
  const dates = new Map<string, number>();
  const date = (text: string) => {
    let ms = dates.get(text);
    if (ms === undefined) dates.set(text, (ms = new Date(text).getTime()));
    return new Date(ms);
  };
  const built = new Map<string, JobRow>();
  return rows.map((row) => {
    const found = row.unique_key === null ? plain[nextPlain++] : byKey.get(row.unique_key);
    if (!found) throw new TributaryError(`insert returned no row for item ${row.ord}`);
    if (!Array.isArray(found)) return { job: found, uniqueSkippedAsDuplicate: true };
    if (row.unique_key === null) return { job: newJobRow(row, found, date), uniqueSkippedAsDuplicate: false };
    // Later items with the key of one inserted in this batch are its duplicates: the same job.
    const first = built.get(row.unique_key);
    if (first) return { job: first, uniqueSkippedAsDuplicate: true };
    const job = newJobRow(row, found, date);
    built.set(row.unique_key, job);
    return { job, uniqueSkippedAsDuplicate: false };
  });
}
