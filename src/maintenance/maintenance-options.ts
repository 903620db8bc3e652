import { unknownKeyIssues } from '../did-you-mean.js';
import type { ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import { QUEUE_REFRESH_INTERVAL_MS } from './queue-cleaner.js';
import { cronSchedule, type Schedule } from './cron.js';
import type { JobRetention } from './job-cleaner.js';

/** When and how the leader rebuilds the job table's indexes. */
export interface ReindexOptions {
  /**
   * A cron expression in UTC (5 fields, 6 with seconds first, or a nickname such as `@daily`).
   * Default `'@daily'`: midnight UTC, as River.
   */
  schedule?: string;
  /** Longest one `REINDEX` may take, in ms, before it is cancelled and retried on the next run. Default 60,000. */
  timeout?: number;
}

/** Client options of the leader's job cleaner, queue cleaner and reindexer. */
export interface MaintenanceOptions {
  /**
   * How long finalized jobs stay in `river_job` after `finalized_at`, by state, in ms; -1 keeps
   * that state forever. Default: completed and cancelled 24 hours, discarded 7 days.
   */
  retention?: JobRetention;
  /**
   * A `river_queue` row that no running client has refreshed for this long, in ms, is deleted
   * (with its paused state); -1 keeps them all. At least 60,000, since running clients refresh
   * theirs every 30 s. Default 86,400,000 (24 hours).
   */
  queueRetention?: number;
  /** The index rebuild's schedule and timeout, or `false` for none. Default: daily at midnight UTC. */
  reindex?: ReindexOptions | false;
}

/** The maintenance options after validation, with defaults applied. */
export interface ResolvedMaintenanceOptions {
  retention: Required<JobRetention>;
  queueRetention: number;
  reindex: { schedule: Schedule; timeout: number } | false;
}

/** Defaults of the maintenance options, in ms. */
export const MAINTENANCE_DEFAULTS = {
  retention: { completed: 86_400_000, cancelled: 86_400_000, discarded: 604_800_000 },
  queueRetention: 86_400_000,
  reindex: { schedule: '@daily', timeout: 60_000 },
} as const satisfies { retention: Required<JobRetention>; queueRetention: number; reindex: Required<ReindexOptions> };

/** The client option names this module validates. */
export const MAINTENANCE_OPTION_NAMES = ['retention', 'queueRetention', 'reindex'] as const satisfies readonly (keyof MaintenanceOptions)[];

// A queue row must outlive a few missed refreshes, or a working client's queue (and its pause) would be dropped.
const QUEUE_RETENTION_MIN_MS = 2 * QUEUE_REFRESH_INTERVAL_MS;
const RETENTION_STATES = ['completed', 'cancelled', 'discarded'] as const;
const wholeMs = (value: unknown, min: number) => typeof value === 'number' && Number.isInteger(value) && value >= min;

function retentionIssues(retention: unknown): ValidationIssue[] {
  if (retention === undefined) return [];
  if (!isPlainObject(retention)) return [{ path: 'retention', message: 'must be an object of { completed?, cancelled?, discarded? } in ms' }];
  const issues = unknownKeyIssues(retention, RETENTION_STATES, 'retention', 'a retention state');
  for (const state of RETENTION_STATES) {
    const ms = retention[state];
    if (ms !== undefined && ms !== -1 && !wholeMs(ms, 1)) {
      issues.push({ path: `retention.${state}`, message: `must be a whole number of ms >= 1, or -1 to keep forever, got ${ms}` });
    }
  }
  return issues;
}

function reindexIssues(reindex: unknown): ValidationIssue[] {
  if (reindex === undefined || reindex === false) return [];
  if (!isPlainObject(reindex)) return [{ path: 'reindex', message: 'must be { schedule?, timeout? } or false' }];
  const issues = unknownKeyIssues(reindex, ['schedule', 'timeout'], 'reindex', 'a reindex option');
  if (reindex.schedule !== undefined) {
    try {
      if (typeof reindex.schedule !== 'string') throw new Error(`got ${typeof reindex.schedule}`);
      cronSchedule(reindex.schedule);
    } catch (error) {
      issues.push({ path: 'reindex.schedule', message: `must be a cron expression: ${(error as Error).message}` });
    }
  }
  if (reindex.timeout !== undefined && !wholeMs(reindex.timeout, 1)) {
    issues.push({ path: 'reindex.timeout', message: `must be a whole number of ms >= 1, got ${reindex.timeout}` });
  }
  return issues;
}

/** Problems with the maintenance options among a client's options, or none. */
export function maintenanceOptionIssues(options: Record<string, unknown>): ValidationIssue[] {
  const issues = [...retentionIssues(options.retention), ...reindexIssues(options.reindex)];
  const queueRetention = options.queueRetention;
  if (queueRetention !== undefined && queueRetention !== -1 && !wholeMs(queueRetention, QUEUE_RETENTION_MIN_MS)) {
    issues.push({ path: 'queueRetention', message: `must be a whole number of ms >= ${QUEUE_RETENTION_MIN_MS}, or -1 to keep forever, got ${queueRetention}` });
  }
  return issues;
}

/** Applies defaults to maintenance options already checked by {@link maintenanceOptionIssues}. */
export function resolveMaintenanceOptions(options: MaintenanceOptions): ResolvedMaintenanceOptions {
  const { retention, reindex } = options;
  const defaults = MAINTENANCE_DEFAULTS;
  return {
    retention: {
      completed: retention?.completed ?? defaults.retention.completed,
      cancelled: retention?.cancelled ?? defaults.retention.cancelled,
      discarded: retention?.discarded ?? defaults.retention.discarded,
    },
    queueRetention: options.queueRetention ?? defaults.queueRetention,
    reindex: reindex !== false && {
      schedule: cronSchedule(reindex?.schedule ?? defaults.reindex.schedule),
      timeout: reindex?.timeout ?? defaults.reindex.timeout,
    },
  };
}
