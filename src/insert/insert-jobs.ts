import { TributaryError, ValidationError, type ValidationIssue } from '../errors.js';
import { executeRows, sqlState, type DrizzleHandle } from '../drizzle-handle.js';
import { kindIssues, validateArgs, type AnyJobDefinition } from '../job.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import { jobInsertMany, type JobInsertRow } from '../sql/job-insert-many.js';
import { insertOptsIssues, resolveInsertOpts, type InsertOpts } from './opts.js';
import { isUnique, uniqueKey, uniqueStatesBits } from './unique-key.js';

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
}

function isJobDefinition(value: unknown): value is AnyJobDefinition {
  const job = value as AnyJobDefinition | null;
  return typeof job?.kind === 'string' && typeof job.args?.['~standard']?.validate === 'function';
}

async function prepareRow(item: InsertItem, ord: number, ctx: InsertContext, now: Date): Promise<JobInsertRow | ValidationIssue[]> {
  if (!isJobDefinition(item?.job)) {
    return [{ path: 'job', message: 'must be a job definition made by defineJob()' }];
  }
  const issues = [...kindIssues(item.job.kind, 'job.kind'), ...insertOptsIssues(item.opts, 'opts')];
  const args = await validateArgs(item.job, item.args);
  if (args.issues) issues.push(...args.issues);
  if (issues.length > 0 || !args.value) return issues;

  const opts = resolveInsertOpts(item.opts, item.job.insertOpts, ctx.defaults);
  const unique = isUnique(opts.uniqueOpts) ? opts.uniqueOpts : undefined;
  return {
    ord,
    args: args.value,
    kind: item.job.kind,
    max_attempts: opts.maxAttempts,
    metadata: opts.metadata,
    pending: opts.pending,
    priority: opts.priority,
    queue: opts.queue,
    scheduled_at: opts.scheduledAt ? opts.scheduledAt.toISOString() : null,
    tags: opts.tags,
    unique_key: unique ? uniqueKey({ kind: item.job.kind, args: args.value, queue: opts.queue }, unique, now).toString('hex') : null,
    unique_states: unique ? uniqueStatesBits(unique.byState) : null,
  };
}

function explainDatabaseError(error: unknown, schema: string | undefined): never {
  const where = schema ? `schema "${schema}"` : 'the search_path';
  switch (sqlState(error)) {
    case '42P01':
    case '42704':
      throw new TributaryError(
        `Tributary's tables are missing from ${where}: run \`tributary migrate\` or your drizzle-kit migrations first`,
        { cause: error },
      );
    case '42P10':
      throw new TributaryError(
        `river_job in ${where} has no unique index river_job_unique_idx matching River's: the schema is not Tributary's (or River's)`,
        { cause: error },
      );
    default:
      throw error;
  }
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
  const firstByKey = new Map<string, number>();
  const sent = rows.filter((row) => {
    if (row.unique_key === null) return true;
    if (firstByKey.has(row.unique_key)) return false;
    firstByKey.set(row.unique_key, row.ord);
    return true;
  });

  let returned: Record<string, unknown>[];
  try {
    returned = await executeRows(handle, jobInsertMany({ schema: ctx.schema, rows: sent }));
  } catch (error) {
    explainDatabaseError(error, ctx.schema);
  }
  const jobs = returned.map((r) => JSON.parse(String(r.job)) as Record<string, unknown>);

  // Match rows back by unique key, and the rest by id: ids are drawn in insertion order.
  const byKey = new Map<string, Record<string, unknown>>();
  const plain: Record<string, unknown>[] = [];
  for (const job of jobs) {
    if (job.unique_key != null) byKey.set(String(job.unique_key).slice(2), job);
    else plain.push(job);
  }
  plain.sort((a, b) => Number(a.id) - Number(b.id));
  let nextPlain = 0;
  return rows.map((row) => {
    const job = row.unique_key === null ? plain[nextPlain++] : byKey.get(row.unique_key);
    if (!job) throw new TributaryError(`insert returned no row for item ${row.ord}`);
    const duplicateInBatch = row.unique_key !== null && firstByKey.get(row.unique_key) !== row.ord;
    return {
      job: jobRowFromJson(job),
      uniqueSkippedAsDuplicate: duplicateInBatch || job.unique_skipped_as_duplicate === true,
    };
  });
}
