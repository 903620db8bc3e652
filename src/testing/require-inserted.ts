import { isTransaction, type DrizzleHandle } from '../drizzle-handle.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { TributaryError, throwIfIssues, type ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import type { AnyJobDefinition, JobArgs } from '../job.js';
import type { JobRow } from '../job-row.js';
import { describeFilter, describeJob, FILTER_KEYS, mismatches, pickFilter, type JobFilter } from './job-filter.js';
import { jobCountNotOwn, jobListByKinds } from './queries.js';

/** Thrown by the `require*` helpers when the jobs in the database are not the ones expected. */
export class JobAssertionError extends TributaryError {
  override name = 'JobAssertionError';
}

/** Where the helpers look for the tables. */
export interface TestingOptions {
  /** The Postgres schema of the tables, as in `new Client({ schema })`. Default: the `search_path`. */
  schema?: string;
}

/** One expected job of {@link requireManyInserted}: its definition and, optionally, a filter. */
export type ExpectedJob<J extends AnyJobDefinition = AnyJobDefinition> = { job: J } & JobFilter<JobArgs<J>>;

const MAX_LISTED = 10;

const OPTION_NAMES = ['schema'] as const satisfies readonly (keyof TestingOptions)[];

/** Problems with a filter (fields as `filter.<key>`) and the helpers' options, or none. */
function argumentIssues(filter: unknown, opts: unknown, filterKeys: readonly string[] = FILTER_KEYS, filterPath = 'filter'): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  if (filter !== undefined && !isPlainObject(filter)) issues.push({ path: filterPath, message: 'must be an object of job fields' });
  else if (filter !== undefined) issues.push(...unknownKeyIssues(filter, filterKeys, filterPath, 'a job filter field'));
  if (opts !== undefined && !isPlainObject(opts)) issues.push({ path: 'opts', message: 'must be an object of { schema? }' });
  else if (opts !== undefined) issues.push(...unknownKeyIssues(opts, OPTION_NAMES, 'opts', 'a testing option'));
  return issues;
}

function kindOf(job: AnyJobDefinition | undefined, helper: string): string {
  if (typeof job?.kind !== 'string') throw new TributaryError(`${helper}: expected a job definition made by defineJob(), got ${typeof job}`);
  return job.kind;
}

/**
 * The jobs of these kinds the helpers look at: through a transaction, only those it wrote (so
 * jobs committed before, by earlier tests or seed data, never count); through a database handle,
 * every committed one.
 */
function jobsSeen(tx: DrizzleHandle, schema: string | undefined, kinds: readonly string[]): Promise<JobRow<unknown>[]> {
  return jobListByKinds(tx, { schema, kinds, ownOnly: isTransaction(tx) });
}

/** ` in this transaction (N jobs of it did not write are not counted...)`, or '' for a database handle. */
async function scopeNote(tx: DrizzleHandle, schema: string | undefined, kind: string): Promise<string> {
  if (!isTransaction(tx)) return '';
  const others = await jobCountNotOwn(tx, { schema, kinds: [kind] });
  return others === 0 ? ' in this transaction' : ` in this transaction (${others} other ${kind} job(s), which it did not write, are not counted: pass db instead of tx to see every job)`;
}

function listJobs(jobs: readonly JobRow<unknown>[], why: (job: JobRow<unknown>) => string[] | undefined): string {
  const lines = jobs.slice(0, MAX_LISTED).map((job) => `  ${describeJob(job, why(job))}`);
  if (jobs.length > MAX_LISTED) lines.push(`  ... and ${jobs.length - MAX_LISTED} more`);
  return lines.join('\n');
}

/**
 * Asserts that a job of `job`'s kind matching `filter` was inserted. Through a transaction `tx`,
 * only the jobs that transaction wrote count (inserted or changed by it, savepoints included;
 * jobs committed before it, by earlier tests or seed data, do not); through a database handle
 * `db`, every committed job does. River's rivertest semantics (v2): any matching job passes, and
 * the first by id is returned.
 *
 * @example
 * ```ts
 * await db.transaction(async (tx) => {
 *   await signUp(tx, 'ada@example.com'); // inserts a send_email job
 *   const job = await requireInserted(tx, sendEmail, { args: { to: 'ada@example.com' }, queue: 'email' });
 *   expect(job.args.subject).toBe('Welcome');
 *   tx.rollback();
 * });
 * ```
 * @returns the matching job, its args typed by the job's schema.
 * @throws JobAssertionError listing the jobs of that kind found instead, and how each differs.
 */
export async function requireInserted<J extends AnyJobDefinition>(
  tx: DrizzleHandle,
  job: J,
  filter?: JobFilter<JobArgs<J>>,
  opts: TestingOptions = {},
): Promise<JobRow<JobArgs<J>>> {
  const kind = kindOf(job, 'requireInserted');
  throwIfIssues('requireInserted', argumentIssues(filter, opts));
  const jobs = await jobsSeen(tx, opts.schema, [kind]);
  const found = jobs.find((row) => mismatches(row, filter).length === 0);
  if (found) return found as JobRow<JobArgs<J>>;
  if (jobs.length === 0) throw new JobAssertionError(`requireInserted: no ${kind} job was inserted${await scopeNote(tx, opts.schema, kind)}`);
  throw new JobAssertionError(
    `requireInserted: no ${kind} job matches ${describeFilter(filter)}; found ${jobs.length} ${kind} job(s):\n${listJobs(jobs, (row) => mismatches(row, filter))}`,
  );
}

/**
 * Asserts that no job of `job`'s kind matching `filter` (any job of the kind, without one) was
 * inserted: by the transaction `tx` (jobs committed before it do not count), or in the whole
 * table through a database handle.
 * @throws JobAssertionError naming the jobs that match.
 */
export async function requireNotInserted<J extends AnyJobDefinition>(
  tx: DrizzleHandle,
  job: J,
  filter?: JobFilter<JobArgs<J>>,
  opts: TestingOptions = {},
): Promise<void> {
  const kind = kindOf(job, 'requireNotInserted');
  throwIfIssues('requireNotInserted', argumentIssues(filter, opts));
  const matching = (await jobsSeen(tx, opts.schema, [kind])).filter((row) => mismatches(row, filter).length === 0);
  if (matching.length === 0) return;
  throw new JobAssertionError(
    `requireNotInserted: expected no ${kind} job matching ${describeFilter(filter)}, found ${matching.length}:\n${listJobs(matching, () => undefined)}`,
  );
}

/**
 * Asserts that exactly these jobs were inserted, in this order, as River's `RequireManyInserted`
 * does: the jobs of the expected kinds, by id, must have exactly the expected kinds in order (a
 * kind inserted twice must be expected twice; jobs of other kinds are ignored), and each must
 * match its item's filter. As {@link requireInserted}, through a transaction it sees only the
 * jobs that transaction wrote.
 *
 * @example
 * ```ts
 * const [email, charge] = await requireManyInserted(tx, [
 *   { job: sendEmail, args: { to: 'ada@example.com' } },
 *   { job: chargeCard, priority: 2 },
 * ]);
 * ```
 * @returns the jobs, in the expected order, each typed by its own job definition.
 * @throws JobAssertionError with the kinds expected and found, or the item that differs.
 */
export async function requireManyInserted<const T extends readonly AnyJobDefinition[]>(
  tx: DrizzleHandle,
  expected: { readonly [K in keyof T]: ExpectedJob<T[K]> },
  opts: TestingOptions = {},
): Promise<{ -readonly [K in keyof T]: JobRow<JobArgs<T[K]>> }> {
  const items = expected as readonly ExpectedJob[];
  if (!Array.isArray(items)) throw new TributaryError('requireManyInserted: expected an array of { job, ...filter }');
  const kinds = items.map((item, i) => kindOf(item?.job, `requireManyInserted items[${i}]`));
  throwIfIssues('requireManyInserted', [
    ...items.flatMap((item, i) => argumentIssues(item, undefined, ['job', ...FILTER_KEYS], `items[${i}]`)),
    ...argumentIssues(undefined, opts),
  ]);
  const jobs = await jobsSeen(tx, opts.schema, [...new Set(kinds)]);
  const found = jobs.map((job) => job.kind);
  if (found.length !== kinds.length || found.some((kind, i) => kind !== kinds[i])) {
    throw new JobAssertionError(
      `requireManyInserted: expected jobs of kinds [${kinds.join(', ')}] in this order, found [${found.join(', ')}]${jobs.length > 0 ? `:\n${listJobs(jobs, () => undefined)}` : ''}`,
    );
  }
  items.forEach((item, i) => {
    const filter = pickFilter(item as unknown as Record<string, unknown>);
    const why = mismatches(jobs[i]!, filter);
    if (why.length > 0) {
      throw new JobAssertionError(`requireManyInserted: items[${i}] expected ${describeFilter(filter)}; ${describeJob(jobs[i]!, why)}`);
    }
  });
  return jobs as { -readonly [K in keyof T]: JobRow<JobArgs<T[K]>> };
}
