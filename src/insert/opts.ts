import { unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import { SMALLINT_MAX } from '../schema/sql-types.js';
import { isPlainObject, jsonIssues, type JsonObject } from '../json-value.js';
import { JOB_STATES, type JobState } from '../schema/job-state.js';
import type { ArgsField } from './args-field.js';
import { SEQUENCE_METADATA_KEY, sequenceOptsIssues, type SequenceOpts } from './sequence-opts.js';

/** A job's priority: 1 runs first, 4 last. */
export type Priority = 1 | 2 | 3 | 4;

export type { ArgsField } from './args-field.js';

/** What an insert does when a job with its unique key exists: see {@link UniqueOpts.onConflict}. */
export type UniqueConflict = 'skip' | 'replace';

/**
 * Makes a job unique: a second insert whose unique key matches a job in one of `byState`'s
 * states returns that job instead, flagged `uniqueSkippedAsDuplicate` (or, with
 * `onConflict: 'replace'`, updates it first, flagged `uniqueReplaced`). The key is River's, so
 * River's own clients see the same duplicates. An object with nothing set makes no key (River's
 * rule), so `uniqueOpts: {}` is not unique.
 */
export interface UniqueOpts<Args = Record<string, unknown>> {
  /**
   * Put the args in the key. `true`: all of them (top-level keys sorted). A list of top-level
   * field names: only those, as River's `river:"unique"` struct tags do (`['accountId', 'region']`);
   * a listed field absent from a job's args is left out of its key. Default `false`.
   */
  byArgs?: boolean | readonly ArgsField<Args>[];
  /**
   * Include the current time truncated to this many milliseconds, so at most one such job is
   * inserted per period (`byPeriod: 15 * 60_000`: one per quarter hour). Default: no period.
   */
  byPeriod?: number;
  /** Include the queue in the key. Default `false`. */
  byQueue?: boolean;
  /**
   * The states in which an existing job blocks a new one. Must contain available, pending,
   * running and scheduled. Default: every state but cancelled and discarded.
   */
  byState?: readonly JobState[];
  /** Leave the kind out of the key, so jobs of different kinds can collide. Default `false`. */
  excludeKind?: boolean;
  /**
   * What a duplicate insert does. `'skip'` (the default): nothing; the existing job comes back
   * flagged `uniqueSkippedAsDuplicate`. `'replace'`: if the existing job is waiting to run
   * (`available` or `scheduled`), its args, `scheduled_at` (and so its state between available
   * and scheduled) and priority become this insert's, and it comes back flagged `uniqueReplaced`;
   * its id, tags, metadata, max attempts and queue stay. A job in any other state (running,
   * retryable, pending, or finalized and in `byState`) is never touched: the insert is skipped.
   * With `byArgs: true` the args are the key, so only the schedule and priority can change.
   * `'replace'` needs a key (not `excludeKind`) and cannot insert `pending` jobs.
   */
  onConflict?: UniqueConflict;
}

/**
 * Options of one insert. At insert they override the job definition's `insertOpts`, which
 * override the client's `insertOpts`, which override the defaults given here. `Args` is the
 * job's args type, which `uniqueOpts.byArgs` names fields of.
 */
export interface InsertOpts<Args = Record<string, unknown>> {
  /** Queue name: lowercase letters and digits, `_` or `-` between them, at most 64 characters. Default `'default'`. */
  queue?: string;
  /** 1 (runs first) to 4. Default 1. */
  priority?: Priority;
  /** Attempts before the job is discarded, 1 to 32767. Default 25. */
  maxAttempts?: number;
  /** Run no earlier than this. A time in the future inserts the job as `scheduled`. Default: now. */
  scheduledAt?: Date;
  /** Labels for finding jobs: word characters and `-`, at most 255 characters each. Default none. */
  tags?: readonly string[];
  /** Free JSON stored with the job. Default `{}`. */
  metadata?: JsonObject;
  /** Insert as `pending`: it will not run until something makes it available. Default `false`. */
  pending?: boolean;
  /** Make the job unique. Default: not unique. */
  uniqueOpts?: UniqueOpts<Args>;
  /**
   * Run the job in a sequence: one job of its sequence key at a time, in insert order, across
   * all clients (see {@link SequenceOpts}). Inserted `pending` until its turn. Default: none.
   */
  sequence?: SequenceOpts<Args>;
}

/** Defaults applied when neither the insert, the job nor the client sets a value. */
export const INSERT_DEFAULTS = {
  queue: 'default',
  priority: 1,
  maxAttempts: 25,
} as const satisfies InsertOpts;

export const MAX_QUEUE_NAME_LENGTH = 64;
export const MAX_TAG_LENGTH = 255;
export const MAX_MAX_ATTEMPTS = SMALLINT_MAX; // river_job.max_attempts is a smallint
export const REQUIRED_UNIQUE_STATES = ['available', 'pending', 'running', 'scheduled'] as const;

const QUEUE_NAME = /^[a-z0-9]+(?:[_-][a-z0-9]+)*$/;
const TAG = /^[\w-]+$/;
const OPT_NAMES = ['queue', 'priority', 'maxAttempts', 'scheduledAt', 'tags', 'metadata', 'pending', 'uniqueOpts', 'sequence'] as const satisfies readonly (keyof InsertOpts)[];
const UNIQUE_OPT_NAMES = ['byArgs', 'byPeriod', 'byQueue', 'byState', 'excludeKind', 'onConflict'] as const satisfies readonly (keyof UniqueOpts)[];

const show = (value: unknown): string => {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  if (value instanceof Date) return `Date(${value.getTime()})`;
  return String(value);
};

function integerIn(value: unknown, min: number, max: number): boolean {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

/** Problems with a queue name, or none. */
export function queueNameIssues(value: unknown, path: string): ValidationIssue[] {
  if (typeof value !== 'string') return [{ path, message: `must be a string, got ${show(value)}` }];
  if (value.length === 0 || value.length > MAX_QUEUE_NAME_LENGTH) {
    return [{ path, message: `must be 1 to ${MAX_QUEUE_NAME_LENGTH} characters, got ${value.length}` }];
  }
  if (!QUEUE_NAME.test(value)) {
    return [
      {
        path,
        message: `${show(value)} is not a queue name: use lowercase letters and digits, with single "_" or "-" between them`,
      },
    ];
  }
  return [];
}

function byArgsIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined || typeof value === 'boolean') return [];
  if (!Array.isArray(value)) {
    return [{ path, message: `must be true, false or a list of top-level args field names, got ${show(value)}` }];
  }
  if (value.length === 0) {
    return [{ path, message: 'is an empty list, which would put no args in the key: name top-level args fields, or use true for all of them' }];
  }
  const issues: ValidationIssue[] = [];
  value.forEach((name: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof name !== 'string' || name.length === 0) {
      issues.push({ path: at, message: `must be a top-level args field name, got ${typeof name === 'string' ? 'an empty string' : show(name)}` });
    } else if (name.includes('.')) {
      // Taken as a top-level name, a nested path would silently match no field at all.
      issues.push({ path: at, message: `${show(name)} names a nested field: byArgs takes top-level field names only` });
    } else if (value.indexOf(name) < i) {
      issues.push({ path: at, message: `${show(name)} is listed twice` });
    }
  });
  return issues;
}

function uniqueOptsIssues(value: unknown, path: string): ValidationIssue[] {
  if (!isPlainObject(value)) return [{ path, message: 'must be an object' }];
  const issues = unknownKeyIssues(value, UNIQUE_OPT_NAMES, path, 'a unique option');
  issues.push(...byArgsIssues(value.byArgs, `${path}.byArgs`));
  for (const key of ['byQueue', 'excludeKind'] as const) {
    if (value[key] !== undefined && typeof value[key] !== 'boolean') {
      issues.push({ path: `${path}.${key}`, message: `must be a boolean, got ${show(value[key])}` });
    }
  }
  if (value.byPeriod !== undefined && !integerIn(value.byPeriod, 1, Number.MAX_SAFE_INTEGER)) {
    issues.push({ path: `${path}.byPeriod`, message: `must be a positive whole number of milliseconds, got ${show(value.byPeriod)}` });
  }
  if (value.byState !== undefined) {
    if (!Array.isArray(value.byState)) {
      issues.push({ path: `${path}.byState`, message: 'must be an array of job states' });
    } else {
      value.byState.forEach((state, i) => {
        if (!(JOB_STATES as readonly unknown[]).includes(state)) {
          issues.push({ path: `${path}.byState[${i}]`, message: `${show(state)} is not a job state (${JOB_STATES.join(', ')})` });
        }
      });
      const states = value.byState as unknown[];
      const missing = REQUIRED_UNIQUE_STATES.filter((s) => !states.includes(s));
      if (missing.length > 0) {
        issues.push({ path: `${path}.byState`, message: `must include ${REQUIRED_UNIQUE_STATES.join(', ')} (missing ${missing.join(', ')})` });
      }
    }
  }
  if (value.excludeKind === true && !value.byArgs && !value.byPeriod && !value.byQueue) {
    issues.push({ path: `${path}.excludeKind`, message: 'leaves nothing in the unique key: add byArgs, byPeriod or byQueue' });
  }
  issues.push(...onConflictIssues(value, path));
  return issues;
}

const CONFLICTS = ['skip', 'replace'] as const satisfies readonly UniqueConflict[];

function onConflictIssues(value: Record<string, unknown>, path: string): ValidationIssue[] {
  const at = `${path}.onConflict`;
  if (value.onConflict === undefined || value.onConflict === 'skip') return [];
  if (value.onConflict !== 'replace') return [{ path: at, message: `must be ${CONFLICTS.map((c) => `'${c}'`).join(' or ')}, got ${show(value.onConflict)}` }];
  // Without a key there is no duplicate to replace: the insert would silently never debounce.
  if (!value.byArgs && !value.byPeriod && !value.byQueue && !value.byState && !value.excludeKind) {
    return [{ path: at, message: "'replace' needs a unique key: set byArgs, byPeriod, byQueue or byState" }];
  }
  // A key without the kind matches jobs of other kinds, whose args this job's schema never checked.
  if (value.excludeKind === true) return [{ path: at, message: "'replace' cannot be combined with excludeKind: it would put this job's args into a job of another kind" }];
  return [];
}

/**
 * Problems that only the options as resolved show, whichever layers they came from: a replacing
 * insert must not make a pending job (a pending job is never replaced either, its state is for
 * whatever will make it available to decide).
 */
export function resolvedOptsIssues(opts: ResolvedInsertOpts): ValidationIssue[] {
  return opts.pending && opts.uniqueOpts?.onConflict === 'replace' ? [PENDING_REPLACE('uniqueOpts.onConflict')] : [];
}

const PENDING_REPLACE = (path: string): ValidationIssue => ({
  path,
  message: "'replace' cannot be combined with pending: true: a replace only ever makes a job available or scheduled, and never replaces a pending one",
});

/**
 * Problems with one layer of insert options. `path` prefixes each issue (`opts`,
 * `insertOpts`). Errors are collected, not thrown, so a caller can report all of them at once.
 */
export function insertOptsIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: 'must be an object' }];
  const o = value as Record<string, unknown>;
  const issues = unknownKeyIssues(o, OPT_NAMES, path, 'an insert option');
  if (o.queue !== undefined) issues.push(...queueNameIssues(o.queue, `${path}.queue`));
  if (o.priority !== undefined && !integerIn(o.priority, 1, 4)) {
    issues.push({ path: `${path}.priority`, message: `must be an integer from 1 to 4, got ${show(o.priority)}` });
  }
  if (o.maxAttempts !== undefined && !integerIn(o.maxAttempts, 1, MAX_MAX_ATTEMPTS)) {
    issues.push({ path: `${path}.maxAttempts`, message: `must be an integer from 1 to ${MAX_MAX_ATTEMPTS}, got ${show(o.maxAttempts)}` });
  }
  if (o.scheduledAt !== undefined && !(o.scheduledAt instanceof Date && Number.isFinite(o.scheduledAt.getTime()))) {
    issues.push({ path: `${path}.scheduledAt`, message: `must be a valid Date, got ${show(o.scheduledAt)}` });
  }
  if (o.tags !== undefined) {
    if (!Array.isArray(o.tags)) {
      issues.push({ path: `${path}.tags`, message: 'must be an array of strings' });
    } else {
      o.tags.forEach((tag, i) => {
        const at = `${path}.tags[${i}]`;
        if (typeof tag !== 'string' || tag.length === 0 || tag.length > MAX_TAG_LENGTH) {
          issues.push({ path: at, message: `must be a string of 1 to ${MAX_TAG_LENGTH} characters, got ${show(typeof tag === 'string' ? `${tag.length} characters` : tag)}` });
        } else if (!TAG.test(tag)) {
          issues.push({ path: at, message: `${show(tag)} may hold only letters, digits, "_" and "-"` });
        }
      });
    }
  }
  if (o.metadata !== undefined) {
    if (!isPlainObject(o.metadata)) issues.push({ path: `${path}.metadata`, message: 'must be a JSON object' });
    else jsonIssues(o.metadata, `${path}.metadata`, issues);
    if (isPlainObject(o.metadata) && Object.hasOwn(o.metadata, SEQUENCE_METADATA_KEY)) {
      issues.push({ path: `${path}.metadata`, message: `"${SEQUENCE_METADATA_KEY}" is reserved for the sequence option: use sequence: { ... }` });
    }
  }
  if (o.pending !== undefined && typeof o.pending !== 'boolean') {
    issues.push({ path: `${path}.pending`, message: `must be a boolean, got ${show(o.pending)}` });
  }
  if (o.uniqueOpts !== undefined) issues.push(...uniqueOptsIssues(o.uniqueOpts, `${path}.uniqueOpts`));
  if (o.pending === true && isPlainObject(o.uniqueOpts) && o.uniqueOpts.onConflict === 'replace') issues.push(PENDING_REPLACE(`${path}.uniqueOpts.onConflict`));
  issues.push(...sequenceOptsIssues(o.sequence, `${path}.sequence`));
  return issues;
}

/** Insert options with every layer applied: what gets written. */
export interface ResolvedInsertOpts {
  queue: string;
  priority: number;
  maxAttempts: number;
  scheduledAt: Date | undefined;
  tags: readonly string[];
  metadata: JsonObject;
  pending: boolean;
  uniqueOpts: UniqueOpts | undefined;
  sequence: SequenceOpts | undefined;
}

/** Merges option layers field by field, nearest first: the first layer that sets a field wins it. */
export function resolveInsertOpts(...layers: (InsertOpts | undefined)[]): ResolvedInsertOpts {
  const pick = <K extends keyof InsertOpts>(key: K): InsertOpts[K] => {
    for (const layer of layers) if (layer?.[key] !== undefined) return layer[key];
    return undefined;
  };
  return {
    queue: pick('queue') ?? INSERT_DEFAULTS.queue,
    priority: pick('priority') ?? INSERT_DEFAULTS.priority,
    maxAttempts: pick('maxAttempts') ?? INSERT_DEFAULTS.maxAttempts,
    scheduledAt: pick('scheduledAt'),
    tags: pick('tags') ?? [],
    metadata: pick('metadata') ?? {},
    pending: pick('pending') ?? false,
    uniqueOpts: pick('uniqueOpts'),
    sequence: pick('sequence'),
  };
}
