import type { Priority } from '../insert/opts.js';
import type { JobRow } from '../job-row.js';
import type { JobState } from '../schema/job-state.js';

/**
 * What an inserted job must look like. Every field is optional and they all must hold; an empty
 * filter matches any job of the kind.
 */
export interface JobFilter<Args = Record<string, unknown>> {
  /**
   * Args the job must have: each key given must equal the stored value (compared as JSON, deeply);
   * keys not given are not compared. Stored args are the schema's output (defaults applied).
   */
  args?: Partial<Args>;
  queue?: string;
  priority?: Priority;
  state?: JobState;
  maxAttempts?: number;
  /** The job's tags, all of them, in order. */
  tags?: readonly string[];
  /** Metadata keys the job must have, with these values (as JSON); other keys are not compared. */
  metadata?: Record<string, unknown>;
  /** Compared to the millisecond. */
  scheduledAt?: Date;
}

/** The fields of a {@link JobFilter}. */
export const FILTER_KEYS = ['args', 'queue', 'priority', 'state', 'maxAttempts', 'tags', 'metadata', 'scheduledAt'] as const satisfies readonly (keyof JobFilter)[];

/** JSON text with object keys sorted, so equal JSON values give equal text (jsonb reorders keys). */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  ) ?? 'undefined';
}

const show = (value: unknown) => (value instanceof Date ? value.toISOString() : canonical(value));

/** Where `job` differs from `filter`, as `queue is "default", expected "email"`; empty when it matches. */
export function mismatches(job: JobRow<unknown>, filter: JobFilter<unknown> | undefined): string[] {
  if (!filter) return [];
  const out: string[] = [];
  const differ = (what: string, actual: unknown, expected: unknown) => out.push(`${what} is ${show(actual)}, expected ${show(expected)}`);
  const subset = (what: string, actual: unknown, expected: Record<string, unknown> | undefined) => {
    if (!expected) return;
    const stored = (actual ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(expected)) {
      if (value === undefined) continue;
      if (!(key in stored)) out.push(`${what}.${key} is missing, expected ${show(value)}`);
      else if (canonical(stored[key]) !== canonical(value)) differ(`${what}.${key}`, stored[key], value);
    }
  };
  subset('args', job.args, filter.args as Record<string, unknown> | undefined);
  if (filter.queue !== undefined && job.queue !== filter.queue) differ('queue', job.queue, filter.queue);
  if (filter.priority !== undefined && job.priority !== filter.priority) differ('priority', job.priority, filter.priority);
  if (filter.state !== undefined && job.state !== filter.state) differ('state', job.state, filter.state);
  if (filter.maxAttempts !== undefined && job.maxAttempts !== filter.maxAttempts) differ('maxAttempts', job.maxAttempts, filter.maxAttempts);
  if (filter.tags !== undefined && canonical(job.tags) !== canonical(filter.tags)) differ('tags', job.tags, filter.tags);
  subset('metadata', job.metadata, filter.metadata);
  if (filter.scheduledAt !== undefined && job.scheduledAt.getTime() !== filter.scheduledAt.getTime()) differ('scheduledAt', job.scheduledAt, filter.scheduledAt);
  return out;
}

/** The filter as it reads in a message: `{ queue: "email", args: {"to":"a@x"} }`, or `(any)`. */
export function describeFilter(filter: JobFilter<unknown> | undefined): string {
  const set = FILTER_KEYS.filter((key) => filter?.[key] !== undefined);
  return set.length === 0 ? '(any)' : `{ ${set.map((key) => `${key}: ${show(filter![key])}`).join(', ')} }`;
}

/** Just the filter fields of an object that also holds other things (`{ job, ...filter }`). */
export function pickFilter(source: Record<string, unknown>): JobFilter<unknown> {
  return Object.fromEntries(FILTER_KEYS.filter((key) => source[key] !== undefined).map((key) => [key, source[key]]));
}

/** One line per job: `job 12 (available, queue default): <why it differs>`. */
export function describeJob(job: JobRow<unknown>, why?: readonly string[]): string {
  const head = `job ${job.id} (${job.kind}, ${job.state}, queue ${job.queue}, args ${canonical(job.args)})`;
  return why && why.length > 0 ? `${head}: ${why.join('; ')}` : head;
}
