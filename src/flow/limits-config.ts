import { unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';

/**
 * Splits a queue's jobs into partitions, each limited on its own. A job's partition is the list
 * of its kind (with `byKind`) and the values of the named top-level args fields (or all its args,
 * with `byArgs: true`). A job whose args lack a named field is in the partition where that field
 * is `null`: jobs missing `customerId` share one partition, together with those whose
 * `customerId` is null. Queues are not tied to one kind, so the names are plain strings and are
 * not checked against any args type.
 */
export interface LimitPartition {
  /** Partition by these top-level args fields, or by all args with `true`. Default: not by args. */
  byArgs?: true | readonly string[];
  /** Partition by kind. Default `false`. */
  byKind?: boolean;
}

/**
 * How many jobs of a queue may run at once. Prefetched jobs count as running. Every client
 * working the queue must set the same limits: each enforces its own on the jobs it takes,
 * counting every client's running jobs, and a client without limits takes jobs regardless.
 */
export interface ConcurrencyLimit {
  /** At most this many jobs of the queue (of each partition) running at once across all clients, 1 or more. Default: no global limit. */
  globalLimit?: number;
  /**
   * At most this many jobs of the queue (of each partition) running at once in this client, 1 to
   * `maxWorkers` (above it would never bind). Default: no local limit, only `maxWorkers`.
   */
  localLimit?: number;
  /** Apply the limits to each partition instead of the whole queue. Default: one partition, the queue. */
  partition?: LimitPartition;
}

/**
 * At most `limit` jobs of the queue (of each partition) start in any window of `period` ms,
 * across all clients. A start is the moment a client takes the job (its `attempted_at`). Jobs
 * over the limit stay available and start once the window allows: they are neither failed nor
 * retried.
 */
export interface RateLimit {
  /** Starts allowed per period, 1 to {@link RATE_LIMIT_MAX}. */
  limit: number;
  /** The window, in whole milliseconds, 1 or more. */
  period: number;
  /** Apply the limit to each partition instead of the whole queue. Default: one partition, the queue. */
  partition?: LimitPartition;
}

/**
 * The most starts a rate limit may allow per period: each start in the window is kept in
 * `river_queue.metadata` (about 20 bytes each) until it leaves the window.
 */
export const RATE_LIMIT_MAX = 10_000;
/** The largest concurrency limit (Postgres' int). */
export const CONCURRENCY_LIMIT_MAX = 2_147_483_647;

const PARTITION_KEYS = ['byArgs', 'byKind'] as const satisfies readonly (keyof LimitPartition)[];
const CONCURRENCY_KEYS = ['globalLimit', 'localLimit', 'partition'] as const satisfies readonly (keyof ConcurrencyLimit)[];
const RATE_KEYS = ['limit', 'period', 'partition'] as const satisfies readonly (keyof RateLimit)[];

const show = (value: unknown): string => (typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value));
const isWhole = (value: unknown, min: number, max: number) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

function byArgsIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined || value === true) return [];
  if (!Array.isArray(value)) return [{ path, message: `must be true or a list of top-level args field names, got ${show(value)}` }];
  if (value.length === 0) return [{ path, message: 'is an empty list, which would partition by nothing: name top-level args fields, or use true for all args' }];
  const issues: ValidationIssue[] = [];
  value.forEach((name: unknown, i) => {
    const at = `${path}[${i}]`;
    if (typeof name !== 'string' || name.length === 0) {
      issues.push({ path: at, message: `must be a top-level args field name, got ${typeof name === 'string' ? 'an empty string' : show(name)}` });
    } else if (name.includes('.')) {
      // Taken as a top-level name, a nested path would put every job in the partition of "missing".
      issues.push({ path: at, message: `${show(name)} names a nested field: byArgs takes top-level field names only` });
    } else if (name.includes('\0')) {
      issues.push({ path: at, message: `${show(name)} contains a NUL character, which Postgres cannot store` });
    } else if (value.indexOf(name) < i) {
      issues.push({ path: at, message: `${show(name)} is listed twice` });
    }
  });
  return issues;
}

function partitionIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: `must be an object of { byArgs?, byKind? }, got ${show(value)}` }];
  const issues = unknownKeyIssues(value, PARTITION_KEYS, path, 'a partition option');
  issues.push(...byArgsIssues(value.byArgs, `${path}.byArgs`));
  if (value.byKind !== undefined && typeof value.byKind !== 'boolean') issues.push({ path: `${path}.byKind`, message: `must be a boolean, got ${show(value.byKind)}` });
  if (issues.length === 0 && value.byArgs === undefined && value.byKind !== true) {
    issues.push({ path, message: 'partitions by nothing: set byArgs, byKind: true, or leave partition out' });
  }
  return issues;
}

/** Issues of a queue's `concurrency` option, at `path` (such as `queues.api.concurrency`). */
export function concurrencyIssues(value: unknown, path: string, maxWorkers: unknown): ValidationIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: `must be an object of { globalLimit?, localLimit?, partition? }, got ${show(value)}` }];
  const issues = unknownKeyIssues(value, CONCURRENCY_KEYS, path, 'a concurrency option');
  const { globalLimit, localLimit } = value;
  if (globalLimit !== undefined && !isWhole(globalLimit, 1, CONCURRENCY_LIMIT_MAX)) {
    issues.push({ path: `${path}.globalLimit`, message: `must be a positive integer, got ${show(globalLimit)}` });
  }
  if (localLimit !== undefined && !isWhole(localLimit, 1, CONCURRENCY_LIMIT_MAX)) {
    issues.push({ path: `${path}.localLimit`, message: `must be a positive integer, got ${show(localLimit)}` });
  } else if (typeof localLimit === 'number' && typeof maxWorkers === 'number' && localLimit > maxWorkers) {
    // Never reached: maxWorkers already bounds this client. Almost always a typo or a config
    // copied between clients of different sizes, so it is refused rather than ignored.
    issues.push({ path: `${path}.localLimit`, message: `is ${localLimit}, above maxWorkers (${maxWorkers}), so it would never apply: lower it or raise maxWorkers` });
  }
  if (globalLimit === undefined && localLimit === undefined) issues.push({ path, message: 'limits nothing: set globalLimit, localLimit or both' });
  issues.push(...partitionIssues(value.partition, `${path}.partition`));
  return issues;
}

/** Issues of a queue's `rateLimit` option, at `path` (such as `queues.api.rateLimit`). */
export function rateLimitIssues(value: unknown, path: string): ValidationIssue[] {
  if (value === undefined) return [];
  if (!isPlainObject(value)) return [{ path, message: `must be an object of { limit, period, partition? }, got ${show(value)}` }];
  const issues = unknownKeyIssues(value, RATE_KEYS, path, 'a rate limit option');
  if (!isWhole(value.limit, 1, RATE_LIMIT_MAX)) issues.push({ path: `${path}.limit`, message: `must be an integer from 1 to ${RATE_LIMIT_MAX}, got ${show(value.limit)}` });
  if (typeof value.period === 'number' && value.period < 1) {
    issues.push({ path: `${path}.period`, message: `must be at least 1 ms, got ${show(value.period)}` });
  } else if (!isWhole(value.period, 1, Number.MAX_SAFE_INTEGER)) {
    issues.push({ path: `${path}.period`, message: `must be a whole number of milliseconds, got ${show(value.period)}` });
  }
  issues.push(...partitionIssues(value.partition, `${path}.partition`));
  return issues;
}
