import { isPlainObject } from '../json-value.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { queueNameIssues } from '../insert/opts.js';
import { queueStats } from '../sql/queue-stats.js';
import { adminQuery, type AdminContext } from './admin-context.js';

/** Jobs of one queue by state, and whether the queue is paused. */
export interface QueueStats {
  queue: string;
  /** Whether its `river_queue` row is paused (false for a queue without a row). */
  paused: boolean;
  available: number;
  scheduled: number;
  running: number;
  retryable: number;
  completed: number;
  cancelled: number;
  discarded: number;
  pending: number;
}

/** Options of `queueStats`. */
export interface QueueStatsParams {
  /** Only these queues. Default: every queue that has jobs or a `river_queue` row. */
  queues?: readonly string[];
}

const STATES = ['available', 'scheduled', 'running', 'retryable', 'completed', 'cancelled', 'discarded', 'pending'] as const;

/** Counts jobs by queue and state; see the client's `queueStats`. */
export async function getQueueStats(ctx: AdminContext, params: QueueStatsParams = {}): Promise<QueueStats[]> {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(params)) {
    issues.push({ path: 'params', message: 'must be an object of { queues? }' });
  } else {
    issues.push(...unknownKeyIssues(params, ['queues'], '', 'a queueStats parameter'));
    if (params.queues !== undefined && !Array.isArray(params.queues)) issues.push({ path: 'queues', message: 'must be an array of queue names' });
    else params.queues?.forEach((q, i) => issues.push(...queueNameIssues(q, `queues[${i}]`)));
  }
  throwIfIssues('queueStats', issues);
  const queues = params.queues && params.queues.length > 0 ? params.queues : null;
  const rows = await adminQuery(ctx, queueStats({ schema: ctx.schema, queues }));
  return rows.map((row) => {
    const stats = { queue: String(row.queue), paused: Boolean(row.paused) } as QueueStats;
    for (const state of STATES) stats[state] = Number(row[state]);
    return stats;
  });
}
