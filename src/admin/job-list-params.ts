import { didYouMean, unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { queueNameIssues, type Priority } from '../insert/opts.js';
import { isPlainObject, jsonIssues, type JsonObject } from '../json-value.js';
import { JOB_STATES, type JobState } from '../schema/job-state.js';
import type { JobListQueryParams, JobListTimeColumn } from '../sql/job-list.js';
import { jobIdIssues } from './admin-input.js';
import { decodeCursor, type JobListPosition } from './job-list-cursor.js';

/**
 * What `jobList` returns. Every filter given must hold; an absent or empty list does not filter.
 */
export interface JobListParams {
  /** Jobs in any of these states. Default: every state. */
  states?: readonly JobState[];
  /** Jobs of any of these kinds. */
  kinds?: readonly string[];
  /** Jobs in any of these queues. */
  queues?: readonly string[];
  /** Jobs with any of these priorities. */
  priorities?: readonly Priority[];
  /** Jobs carrying every one of these tags. */
  tags?: readonly string[];
  /** Jobs with any of these ids. */
  ids?: readonly number[];
  /** Jobs whose metadata contains this object (Postgres `@>`: `{ tenant: 7 }` matches `{ tenant: 7, x: 1 }`). */
  metadata?: JsonObject;
  /**
   * `'id'` (default): by id, which is insertion order. `'time'`: by the time that fits the
   * states listed, then id: `scheduled_at` for available, pending, retryable and scheduled;
   * `attempted_at` for running; `finalized_at` for cancelled, completed and discarded. `'time'`
   * needs `states`, all of one of those groups.
   */
  orderBy?: 'id' | 'time';
  /** Default `'asc'`. */
  order?: 'asc' | 'desc';
  /** Jobs per page, 1 to {@link JOB_LIST_MAX_LIMIT}. Default {@link JOB_LIST_DEFAULT_LIMIT}. */
  limit?: number;
  /**
   * The `nextCursor` of the previous page, to read the next one. Valid with the same `orderBy`,
   * `order` and time column it was made with.
   */
  cursor?: string;
}

/** Jobs per `jobList` page when `limit` is not given. */
export const JOB_LIST_DEFAULT_LIMIT = 100;
/** The most jobs one `jobList` call returns. */
export const JOB_LIST_MAX_LIMIT = 10_000;

const PARAM_NAMES = ['states', 'kinds', 'queues', 'priorities', 'tags', 'ids', 'metadata', 'orderBy', 'order', 'limit', 'cursor'] as const satisfies readonly (keyof JobListParams)[];
const MAX_KIND_LENGTH = 127;
const MAX_TAG_LENGTH = 255;
const TIME_COLUMN: Record<JobState, JobListTimeColumn> = {
  available: 'scheduled_at',
  pending: 'scheduled_at',
  retryable: 'scheduled_at',
  scheduled: 'scheduled_at',
  running: 'attempted_at',
  cancelled: 'finalized_at',
  completed: 'finalized_at',
  discarded: 'finalized_at',
};

const show = (value: unknown) => (typeof value === 'string' ? JSON.stringify(value) : String(value));

/** Checks a list filter's elements; returns the list, or null when absent or empty. */
function list<T>(value: unknown, path: string, issues: ValidationIssue[], check: (item: unknown, at: string) => ValidationIssue[]): T[] | null {
  if (value === undefined) return null;
  if (!Array.isArray(value)) {
    issues.push({ path, message: `must be an array, got ${show(value)}` });
    return null;
  }
  value.forEach((item, i) => issues.push(...check(item, `${path}[${i}]`)));
  return value.length > 0 ? (value as T[]) : null;
}

function stateIssues(item: unknown, at: string): ValidationIssue[] {
  if ((JOB_STATES as readonly unknown[]).includes(item)) return [];
  const guess = typeof item === 'string' ? didYouMean(item, JOB_STATES) : undefined;
  return [{ path: at, message: `${show(item)} is not a job state; ${guess ? `did you mean "${guess}"?` : `use one of ${JOB_STATES.join(', ')}`}` }];
}

const stringIssues = (max: number) => (item: unknown, at: string): ValidationIssue[] =>
  typeof item === 'string' && item.length > 0 && item.length <= max ? [] : [{ path: at, message: `must be a string of 1 to ${max} characters, got ${show(item)}` }];

const priorityIssues = (item: unknown, at: string): ValidationIssue[] =>
  item === 1 || item === 2 || item === 3 || item === 4 ? [] : [{ path: at, message: `must be a priority from 1 to 4, got ${show(item)}` }];

function timeColumnFor(states: readonly JobState[] | null, issues: ValidationIssue[]): JobListTimeColumn | null {
  const columns = new Set((states ?? []).map((s) => TIME_COLUMN[s]));
  if (columns.size === 1) return [...columns][0]!;
  issues.push({
    path: 'orderBy',
    message: states
      ? `'time' needs states that share one time column, got ${states.join(', ')}: list only available, pending, retryable, scheduled; or only running; or only cancelled, completed, discarded`
      : `'time' needs states (the time column depends on them), such as states: ['completed']`,
  });
  return null;
}

/** Validates `jobList` params, every problem at once; returns the statement's parameters. */
export function resolveJobListParams(schema: string | undefined, params: unknown): JobListQueryParams {
  if (params !== undefined && !isPlainObject(params)) throwIfIssues('jobList', [{ path: 'params', message: 'must be an object' }]);
  const p = (params ?? {}) as Record<string, unknown>;
  const issues = unknownKeyIssues(p, PARAM_NAMES, '', 'a jobList parameter');
  const states = list<JobState>(p.states, 'states', issues, stateIssues);
  const kinds = list<string>(p.kinds, 'kinds', issues, stringIssues(MAX_KIND_LENGTH));
  const queues = list<string>(p.queues, 'queues', issues, queueNameIssues);
  const priorities = list<number>(p.priorities, 'priorities', issues, priorityIssues);
  const tags = list<string>(p.tags, 'tags', issues, stringIssues(MAX_TAG_LENGTH));
  const ids = list<number>(p.ids, 'ids', issues, jobIdIssues);
  if (p.metadata !== undefined) {
    if (!isPlainObject(p.metadata)) issues.push({ path: 'metadata', message: 'must be a JSON object' });
    else jsonIssues(p.metadata, 'metadata', issues);
  }
  const orderBy = p.orderBy ?? 'id';
  if (orderBy !== 'id' && orderBy !== 'time') issues.push({ path: 'orderBy', message: `must be 'id' or 'time', got ${show(orderBy)}` });
  const order = p.order ?? 'asc';
  if (order !== 'asc' && order !== 'desc') issues.push({ path: 'order', message: `must be 'asc' or 'desc', got ${show(order)}` });
  const limit = p.limit ?? JOB_LIST_DEFAULT_LIMIT;
  if (!(Number.isInteger(limit) && (limit as number) >= 1 && (limit as number) <= JOB_LIST_MAX_LIMIT)) {
    issues.push({ path: 'limit', message: `must be an integer from 1 to ${JOB_LIST_MAX_LIMIT}, got ${show(limit)}` });
  }
  // Only meaningful once states are known good.
  const timeColumn = orderBy === 'time' && !issues.some((i) => i.path.startsWith('states')) ? timeColumnFor(states, issues) : null;
  let after: JobListPosition | null = null;
  if (p.cursor !== undefined) {
    const decoded = decodeCursor(p.cursor, 'cursor');
    const orderKnown = !issues.some((i) => ['states', 'orderBy', 'order'].some((key) => i.path.startsWith(key)));
    if ('message' in decoded) issues.push(decoded);
    else if (orderKnown && (decoded.column !== (timeColumn ?? 'id') || decoded.order !== order)) {
      issues.push({ path: 'cursor', message: `was made for order ${decoded.column} ${decoded.order}, not ${timeColumn ?? 'id'} ${order}: start again without a cursor` });
    } else after = decoded;
  }
  throwIfIssues('jobList', issues);
  return {
    schema,
    ids,
    states,
    kinds,
    queues,
    priorities,
    tags,
    metadata: p.metadata === undefined ? null : JSON.stringify(p.metadata),
    timeColumn,
    order: order as 'asc' | 'desc',
    after: after && { id: after.id, time: after.time },
    limit: limit as number,
  };
}
