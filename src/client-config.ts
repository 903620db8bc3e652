import { throwIfIssues, type ValidationIssue } from './errors.js';
import type { PgPool } from './sql/pg-pool.js';
import type { QueueConfig, RuntimeConfig } from './runtime/runtime-config.js';
import { schemaNameIssues } from './sql/schema-name.js';
import { unknownKeyIssues } from './did-you-mean.js';
import { connectionStringOf } from './database-error.js';
import { databaseUrlIssues } from './database-url.js';
import { insertOptsIssues, queueNameIssues, type InsertOpts } from './insert/opts.js';
import { isPlainObject } from './json-value.js';
import { defaultLogger, type Logger } from './logger.js';
import { defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';
import type { ErrorHandler } from './runtime/executor.js';
import type { Worker } from './worker.js';
import { pluginIssues, type Plugin } from './plugin.js';
import { periodicJobsIssues, type PeriodicJob } from './maintenance/periodic-job.js';
import { middlewareIssues, type Middleware } from './middleware.js';
import { WORKER_KEYS, workerOptionsIssues } from './worker.js';
import { MAINTENANCE_OPTION_NAMES, maintenanceOptionIssues, resolveMaintenanceOptions, type MaintenanceOptions } from './maintenance/maintenance-options.js';
import { concurrencyIssues, rateLimitIssues } from './flow/limits-config.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

export type { QueueConfig };

/** Options of `new Client(...)`. */
export interface ClientConfig extends MaintenanceOptions {
  /**
   * A node-postgres pool on the queue's database, for the client's own connections. Needed to
   * work jobs; a client that only inserts does not need one (inserts use the handle you pass).
   * Working takes one connection for LISTEN plus those of fetches and completions.
   */
  pool?: PgPool;
  /**
   * The Postgres schema holding the tables, as in `createSchema({ schema })`. Default: none, so
   * tables resolve through the connection's `search_path`. Also prefixes notification channels
   * (`<schema>.river_insert`; without a schema, `current_schema()`).
   */
  schema?: string;
  /** Default insert options for every job, below the job definition's and the insert's own. */
  insertOpts?: InsertOpts;
  /** The queues to work, by name. Default: none, an insert-only client. */
  queues?: Record<string, QueueConfig>;
  /** The workers, one per kind, made with `work()`. */
  workers?: readonly Worker<any>[];
  /**
   * Least time, in ms, between a fetch of a queue that found no job and the next fetch of it.
   * Bounds wasted fetches when many clients hear the same notifications; a fetch that finds
   * work is followed at once. Default 100.
   */
  fetchCooldown?: number;
  /** How often each queue is polled when no notification arrives, in ms. Default 1000. */
  fetchPollInterval?: number;
  /**
   * Send the runtime's fetch statement as a named prepared statement, parsed and planned once per
   * connection instead of on every fetch (planning was about 0.9 of its 7 ms on a big table).
   * Only when `pool` is a node-postgres `pg.Pool`: another pool, such as a wrapper whose `query`
   * takes only text, gets plain text.
   * Set false behind PgBouncer in transaction pooling mode before version 1.21, which cannot
   * carry prepared statements across transactions. Default true.
   */
  preparedStatements?: boolean;
  /** Default time a job may run before its signal aborts and the attempt fails, in ms; -1 for none. Default 60,000. */
  jobTimeout?: number;
  /** When a failed job runs again, in ms from now. Default: River's n^4 seconds ±10%. */
  retryPolicy?: RetryPolicy;
  /** Called with whatever a worker throws; may cancel the job. Default: none. */
  errorHandler?: ErrorHandler;
  /** Default: warnings and errors to the console. */
  logger?: Logger;
  /** This client's id, written into `attempted_by`, at most 100 characters. Default: host, pid and a random suffix. */
  id?: string;
  /**
   * A job running longer than this, in ms, held by a client that does not heartbeat (River's, or
   * a Tributary client without the tributary_client table), is taken to be stuck and is
   * retried, or discarded at its last attempt, with the error "stuck job rescued". Jobs of live
   * Tributary clients are never rescued; those of dead ones after `clientDeadAfter`. At least
   * the longest job timeout. Default 3,600,000 (1 hour).
   */
  rescueStuckJobsAfter?: number;
  /**
   * Each working client heartbeats into `tributary_client`; one silent for longer than this, in
   * ms, is taken to have died, and the leader retries its running jobs at once instead of after
   * `rescueStuckJobsAfter`. At least 3,000. Default 30,000.
   */
  clientDeadAfter?: number;
  /**
   * Jobs inserted on a schedule, made with `periodicJob()`: by the elected leader only, once per
   * tick across all clients. Default: none.
   */
  periodicJobs?: readonly PeriodicJob<any>[];
  /** Plugins, which may add leader-only maintenance services. Default: none. */
  plugins?: readonly Plugin[];
  /**
   * Code run around every insert and every job attempt, for tracing and logging; the first is
   * the outermost. Default: none.
   */
  middleware?: readonly Middleware[];
  /**
   * How often, in ms, `waitFor()` reads every job it waits for again, in one statement, to catch
   * a job finalized without announcing it (by a River client, or deleted); a waited job
   * finalized by Tributary is announced at once. At least 10. Default 5,000.
   */
  waitRecheckInterval?: number;
}

/**
 * The client's options, validated, with defaults filled in; a working client's runtime takes it
 * whole. Only the pool may be missing (an insert-only client).
 */
export interface ResolvedClientConfig extends Omit<RuntimeConfig, 'pool'> {
  pool: PgPool | undefined;
  waitRecheckInterval: number;
}

/** Defaults of the client's timing options, in milliseconds. */
export const CLIENT_DEFAULTS = {
  fetchCooldown: 100,
  fetchPollInterval: 1000,
  jobTimeout: 60_000,
  rescueStuckJobsAfter: 3_600_000,
  clientDeadAfter: 30_000,
  waitRecheckInterval: 5000,
} as const satisfies Partial<ClientConfig>;

export const MAX_WORKERS_LIMIT = 10_000;
const MAX_ID_LENGTH = 100;
const OPTION_NAMES = [
  'pool', 'schema', 'insertOpts', 'queues', 'workers', 'fetchCooldown', 'fetchPollInterval', 'preparedStatements',
  'jobTimeout', 'retryPolicy', 'errorHandler', 'logger', 'id', 'rescueStuckJobsAfter', 'clientDeadAfter', 'plugins',
  'middleware',
  'periodicJobs',
  'waitRecheckInterval',
  ...MAINTENANCE_OPTION_NAMES,
] as const satisfies readonly (keyof ClientConfig)[];
const QUEUE_OPTION_NAMES = ['maxWorkers', 'prefetch', 'concurrency', 'rateLimit'] as const satisfies readonly (keyof QueueConfig)[];
const wholeMs = (value: unknown, min: number) => typeof value === 'number' && Number.isInteger(value) && value >= min;

function queueIssues(queues: unknown): ValidationIssue[] {
  if (queues === undefined) return [];
  if (!isPlainObject(queues)) return [{ path: 'queues', message: 'must be an object of { name: { maxWorkers } }' }];
  return Object.entries(queues).flatMap(([name, queue]) => {
    const issues = queueNameIssues(name, `queues.${name}`);
    if (!isPlainObject(queue)) return [...issues, { path: `queues.${name}`, message: 'must be an object of { maxWorkers, prefetch? }' }];
    issues.push(...unknownKeyIssues(queue, QUEUE_OPTION_NAMES, `queues.${name}`, 'a queue option'));
    const { maxWorkers, prefetch } = queue as Partial<QueueConfig>;
    if (prefetch !== undefined && !(Number.isInteger(prefetch) && prefetch >= 0 && prefetch <= MAX_WORKERS_LIMIT)) {
      issues.push({ path: `queues.${name}.prefetch`, message: `must be an integer from 0 to ${MAX_WORKERS_LIMIT}, got ${prefetch}` });
    }
    if (!(Number.isInteger(maxWorkers) && maxWorkers! >= 1 && maxWorkers! <= MAX_WORKERS_LIMIT)) {
      issues.push({ path: `queues.${name}.maxWorkers`, message: `must be an integer from 1 to ${MAX_WORKERS_LIMIT}, got ${maxWorkers}` });
    }
    issues.push(...concurrencyIssues(queue.concurrency, `queues.${name}.concurrency`, maxWorkers), ...rateLimitIssues(queue.rateLimit, `queues.${name}.rateLimit`));
    return issues;
  });
}

function workerIssues(workers: unknown): ValidationIssue[] {
  if (workers === undefined) return [];
  if (!Array.isArray(workers)) return [{ path: 'workers', message: 'must be an array of work(job, fn) results' }];
  return workers.flatMap((worker: Worker, i) =>
    typeof worker?.job?.kind !== 'string' || typeof worker.work !== 'function'
      ? [{ path: `workers[${i}]`, message: 'must be made by work(job, fn)' }]
      : [...unknownKeyIssues(worker, WORKER_KEYS, `workers[${i}]`, 'a worker field'), ...workerOptionsIssues(worker, `workers[${i}]`)],
  );
}

/** Workers registered twice for one kind, as issues. */
export function duplicateWorkerIssues(workers: readonly Worker<any>[]): ValidationIssue[] {
  const seen = new Map<string, number>();
  return workers.flatMap((worker, i) => {
    const first = seen.get(worker.job.kind);
    seen.set(worker.job.kind, first ?? i);
    return first === undefined ? [] : [{ path: `workers[${i}]`, message: `kind ${worker.job.kind} is already worked by workers[${first}]` }];
  });
}

/** Validates client options once, at construction. */
export function resolveClientConfig(config: ClientConfig): ResolvedClientConfig {
  if (!isPlainObject(config)) throwIfIssues('new Client()', [{ path: 'config', message: 'must be an object' }]);
  const c = config as Record<string, any>;
  const issues = unknownKeyIssues(c, OPTION_NAMES, '', 'a client option');
  if (c.pool !== undefined && (typeof c.pool?.query !== 'function' || typeof c.pool.connect !== 'function')) {
    issues.push({ path: 'pool', message: 'must be a node-postgres Pool (new pg.Pool(...))' });
  } else {
    // A pg.Pool made from a string that is not a URL would fail on first use as `ENOTFOUND base`.
    issues.push(...databaseUrlIssues(connectionStringOf(c.pool), 'pool.options.connectionString'));
  }
  issues.push(...schemaNameIssues(c.schema));
  issues.push(...insertOptsIssues(c.insertOpts, 'insertOpts'), ...queueIssues(c.queues), ...workerIssues(c.workers));
  if (c.fetchCooldown !== undefined && !wholeMs(c.fetchCooldown, 0)) issues.push({ path: 'fetchCooldown', message: `must be a whole number of milliseconds >= 0, got ${c.fetchCooldown}` });
  if (c.fetchPollInterval !== undefined && !wholeMs(c.fetchPollInterval, 1)) issues.push({ path: 'fetchPollInterval', message: `must be a whole number of milliseconds >= 1, got ${c.fetchPollInterval}` });
  if (c.preparedStatements !== undefined && typeof c.preparedStatements !== 'boolean') issues.push({ path: 'preparedStatements', message: `must be true or false, got ${JSON.stringify(c.preparedStatements)}` });
  if (c.jobTimeout !== undefined && c.jobTimeout !== -1 && !wholeMs(c.jobTimeout, 1)) issues.push({ path: 'jobTimeout', message: `must be a whole number of milliseconds, or -1 for none, got ${c.jobTimeout}` });
  for (const key of ['retryPolicy', 'errorHandler'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'function') issues.push({ path: key, message: 'must be a function' });
  }
  if (c.logger !== undefined && !['debug', 'info', 'warn', 'error'].every((m) => typeof c.logger?.[m] === 'function')) {
    issues.push({ path: 'logger', message: 'must have debug, info, warn and error methods (console fits)' });
  }
  if (c.id !== undefined && (typeof c.id !== 'string' || c.id.length === 0 || c.id.length > MAX_ID_LENGTH)) {
    issues.push({ path: 'id', message: `must be a string of 1 to ${MAX_ID_LENGTH} characters` });
  }
  const rescueAfter = c.rescueStuckJobsAfter ?? CLIENT_DEFAULTS.rescueStuckJobsAfter;
  const timeouts = [c.jobTimeout ?? CLIENT_DEFAULTS.jobTimeout, ...(Array.isArray(c.workers) ? c.workers.map((w: Worker) => w?.timeout ?? 0) : [])];
  if (!wholeMs(rescueAfter, 1)) {
    issues.push({ path: 'rescueStuckJobsAfter', message: `must be a whole number of milliseconds >= 1, got ${rescueAfter}` });
  } else if (timeouts.some((t) => typeof t === 'number' && t > rescueAfter)) {
    // A job may legitimately run up to its timeout; rescuing it sooner would run it twice. (With
    // a timeout of -1 a job running past rescueStuckJobsAfter is rescued, as in River.)
    issues.push({ path: 'rescueStuckJobsAfter', message: `must be at least the longest job timeout (${Math.max(...timeouts)} ms), got ${rescueAfter}` });
  }
  if (c.clientDeadAfter !== undefined && !wholeMs(c.clientDeadAfter, 3000)) issues.push({ path: 'clientDeadAfter', message: `must be a whole number of milliseconds >= 3000, got ${c.clientDeadAfter}` });
  if (c.waitRecheckInterval !== undefined && !wholeMs(c.waitRecheckInterval, 10)) issues.push({ path: 'waitRecheckInterval', message: `must be a whole number of milliseconds >= 10, got ${c.waitRecheckInterval}` });
  issues.push(...pluginIssues(c.plugins), ...middlewareIssues(c.middleware));
  issues.push(...maintenanceOptionIssues(c));
  issues.push(...periodicJobsIssues(c.periodicJobs));
  throwIfIssues('new Client()', issues);
  return {
    ...resolveMaintenanceOptions(c),
    pool: c.pool,
    schema: c.schema,
    insertOpts: c.insertOpts,
    queues: new Map(Object.entries(c.queues ?? {})),
    workers: c.workers ?? [],
    fetchCooldown: c.fetchCooldown ?? CLIENT_DEFAULTS.fetchCooldown,
    fetchPollInterval: c.fetchPollInterval ?? CLIENT_DEFAULTS.fetchPollInterval,
    preparedStatements: c.preparedStatements ?? true,
    jobTimeout: c.jobTimeout ?? CLIENT_DEFAULTS.jobTimeout,
    retryPolicy: c.retryPolicy ?? defaultRetryPolicy,
    errorHandler: c.errorHandler,
    logger: c.logger ?? defaultLogger,
    id: c.id ?? `${hostname()}_${process.pid}_${randomBytes(3).toString('hex')}`,
    rescueStuckJobsAfter: rescueAfter,
    clientDeadAfter: c.clientDeadAfter ?? CLIENT_DEFAULTS.clientDeadAfter,
    periodicJobs: c.periodicJobs ?? [],
    plugins: c.plugins ?? [],
    middleware: c.middleware ?? [],
    waitRecheckInterval: c.waitRecheckInterval ?? CLIENT_DEFAULTS.waitRecheckInterval,
  };
}
