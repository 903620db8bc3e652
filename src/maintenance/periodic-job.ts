import { unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import type { InsertOpts } from '../insert/opts.js';
import { kindIssues, type AnyJobDefinition, type JobArgs, type JobArgsInput } from '../job.js';
import { isPlainObject } from '../json-value.js';
import { cronSchedule, cronShapeProblem, everySchedule, type Schedule } from './cron.js';

/**
 * When a periodic job runs: a cron expression (5 fields, minute first; 6, second first; or a
 * nickname such as `@hourly`) evaluated in `timezone` (an IANA name, default UTC), or a fixed
 * interval `every` so many milliseconds (at least 1000).
 */
export type PeriodicSchedule = { cron: string; timezone?: string; every?: never } | { every: number; cron?: never; timezone?: never };

/** The job a periodic job's constructor makes for one tick: what `client.insert` takes. */
export interface PeriodicJobInsert<J extends AnyJobDefinition = AnyJobDefinition> {
  job: J;
  args: JobArgsInput<J>;
  opts?: InsertOpts<JobArgs<J>>;
}

/** What a periodic job's constructor is told about the insert it makes. */
export interface PeriodicTick {
  /** The tick this job stands for, or the leader's start time for a `runOnStart` insert. */
  at: Date;
  /** Whether this is the insert made when the leader starts, not a scheduled tick. */
  runOnStart: boolean;
}

/** Makes the job for one tick, or returns null to skip that tick. May be async. */
export type PeriodicJobConstructor<J extends AnyJobDefinition = AnyJobDefinition> = (
  tick: PeriodicTick,
) => PeriodicJobInsert<J> | null | Promise<PeriodicJobInsert<J> | null>;

/** Options of {@link periodicJob}. */
export interface PeriodicJobOpts {
  /** Also insert a job as soon as a client becomes the leader, without waiting for the first tick. Default `false`. */
  runOnStart?: boolean;
  /**
   * A stable name, stored in each job's `metadata["river:periodic_job_id"]` and used to insert a
   * tick only once across clients. River's id rule: 1 to 127 characters, word characters and
   * `-[]<>/.·:+`. Default: derived from the job's kind and the schedule, as
   * `send_report@cron(30 9 * * *, Europe/Paris)` or `send_report@every(60000)`; two periodic
   * jobs of one kind on one schedule need ids of their own.
   */
  id?: string;
}

/** A periodic job, made by {@link periodicJob} and given to `new Client({ periodicJobs })`. */
export interface PeriodicJob<J extends AnyJobDefinition = AnyJobDefinition> {
  readonly cron?: string;
  readonly timezone?: string;
  readonly every?: number;
  readonly construct: PeriodicJobConstructor<J>;
  readonly runOnStart: boolean;
  readonly id: string | undefined;
}

/** The shortest `every`, in ms: a finer schedule is a busy loop, not a periodic job. */
export const MIN_PERIODIC_EVERY_MS = 1000;

/**
 * A job inserted on a schedule by the elected leader, once per tick however many clients run.
 * Validated when the client is made (`periodicJobs[1].cron: ...`).
 *
 * `every` ticks fall on multiples of the interval since the Unix epoch (`every: 3_600_000` ticks
 * on the hour, UTC), so every client agrees on them. Each job carries `metadata.periodic: true`,
 * `metadata["river:periodic_job_id"]` and `metadata.periodic_tick` (the tick, ISO 8601).
 *
 * @example
 * ```ts
 * new Client({
 *   pool, queues, workers,
 *   periodicJobs: [
 *     periodicJob({ cron: '30 9 * * *', timezone: 'Europe/Paris' }, () => ({ job: dailyReport, args: {} })),
 *     periodicJob({ every: 15 * 60_000 }, ({ at }) => ({ job: syncFeeds, args: { since: at.toISOString() } }), { runOnStart: true }),
 *   ],
 * });
 * ```
 */
export function periodicJob<J extends AnyJobDefinition>(
  schedule: PeriodicSchedule,
  construct: PeriodicJobConstructor<J>,
  opts: PeriodicJobOpts = {},
): PeriodicJob<J> {
  // Not validated here: the client reports every problem at once, naming periodicJobs[i]. Unknown
  // keys of `opts` are kept, so that the client reports them too instead of dropping them.
  return Object.freeze({ ...schedule, ...opts, construct, runOnStart: opts?.runOnStart ?? false, id: opts?.id });
}

/** A periodic job's schedule in words, as used in derived ids and logs. */
export function describeSchedule(job: PeriodicJob<any>): string {
  if (job.cron === undefined) return `every(${job.every})`;
  return job.timezone === undefined ? `cron(${job.cron})` : `cron(${job.cron}, ${job.timezone})`;
}

/** The id a job's inserts are known by: the explicit one, or the kind and schedule. */
export function periodicJobId(job: PeriodicJob<any>, kind: string): string {
  return job.id ?? `${kind}@${describeSchedule(job)}`;
}

/**
 * The ticks of a validated periodic job. Cron ticks are the expression's times; `every` ticks are
 * multiples of the interval since the epoch, so that clients agree on them without talking.
 */
export function periodicTicks(job: PeriodicJob<any>): Schedule {
  if (job.cron !== undefined) return cronSchedule(job.cron, job.timezone);
  const every = job.every!;
  const step = everySchedule(every);
  return { next: (after) => step.next(new Date(Math.floor(after.getTime() / every) * every)) };
}

const JOB_KEYS = ['cron', 'timezone', 'every', 'construct', 'runOnStart', 'id'] as const satisfies readonly (keyof PeriodicJob)[];

function cronIssues(p: Record<string, unknown>, at: string): ValidationIssue[] {
  if (typeof p.cron !== 'string') return [{ path: `${at}.cron`, message: `must be a cron expression string, got ${typeof p.cron}` }];
  const shape = cronShapeProblem(p.cron);
  if (shape) return [{ path: `${at}.cron`, message: shape }];
  try {
    cronSchedule(p.cron);
  } catch (error) {
    return [{ path: `${at}.cron`, message: `${JSON.stringify(p.cron)} is not a valid cron expression: ${(error as Error).message}` }];
  }
  if (p.timezone === undefined) return [];
  if (typeof p.timezone !== 'string') return [{ path: `${at}.timezone`, message: `must be an IANA time zone name such as "Europe/Paris", got ${typeof p.timezone}` }];
  try {
    cronSchedule(p.cron, p.timezone);
    return [];
  } catch (error) {
    return [{ path: `${at}.timezone`, message: `${(error as Error).message}: use an IANA name such as "Europe/Paris"` }];
  }
}

function scheduleIssues(p: Record<string, unknown>, at: string): ValidationIssue[] {
  if (p.cron !== undefined && p.every !== undefined) return [{ path: at, message: 'give either cron or every, not both' }];
  if (p.cron !== undefined) return cronIssues(p, at);
  if (p.every === undefined) return [{ path: at, message: 'needs a schedule: { cron } or { every }' }];
  const issues: ValidationIssue[] = [];
  if (typeof p.every !== 'number' || !Number.isSafeInteger(p.every) || p.every < MIN_PERIODIC_EVERY_MS) {
    issues.push({ path: `${at}.every`, message: `must be a whole number of milliseconds >= ${MIN_PERIODIC_EVERY_MS}, got ${String(p.every)}` });
  }
  if (p.timezone !== undefined) issues.push({ path: `${at}.timezone`, message: 'applies only to cron schedules' });
  return issues;
}

/** Problems with the client's `periodicJobs` option, or none. */
export function periodicJobsIssues(value: unknown): ValidationIssue[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return [{ path: 'periodicJobs', message: 'must be an array of periodicJob(schedule, construct, opts?)' }];
  const issues: ValidationIssue[] = [];
  const ids = new Map<string, number>();
  value.forEach((job: unknown, i) => {
    const at = `periodicJobs[${i}]`;
    if (!isPlainObject(job)) {
      issues.push({ path: at, message: 'must be made by periodicJob(schedule, construct, opts?)' });
      return;
    }
    const p = job as Record<string, unknown>;
    issues.push(...unknownKeyIssues(p, JOB_KEYS, at, 'a periodic job field'));
    issues.push(...scheduleIssues(p, at));
    if (typeof p.construct !== 'function') issues.push({ path: `${at}.construct`, message: 'must be a function returning { job, args, opts? } or null' });
    if (p.runOnStart !== undefined && typeof p.runOnStart !== 'boolean') issues.push({ path: `${at}.runOnStart`, message: `must be a boolean, got ${typeof p.runOnStart}` });
    if (p.id === undefined) return;
    const idIssues = kindIssues(p.id, `${at}.id`);
    issues.push(...idIssues);
    const first = ids.get(p.id as string);
    if (idIssues.length === 0 && first !== undefined) issues.push({ path: `${at}.id`, message: `${JSON.stringify(p.id)} is already the id of periodicJobs[${first}]` });
    else if (idIssues.length === 0) ids.set(p.id as string, i);
  });
  return issues;
}
