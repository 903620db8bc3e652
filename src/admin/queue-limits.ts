import { isPlainObject } from '../json-value.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues } from '../errors.js';
import type { RecordedLimits } from '../flow/queue-limits-record.js';
import { RATE_WINDOW_MARGIN_MS } from '../sql/job-get-limited.js';
import { queueLimitsList, queueRunningByPartition } from '../sql/queue-limits-get.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { assertQueueName } from './admin-input.js';

export type { RecordedLimits };

/** Use of one partition of a limited queue. */
export interface PartitionUse {
  /**
   * The partition: a JSON array of the kind and args values it is made of (`["send_email","acme"]`),
   * `[]` for a queue that is not partitioned; a missing args field shows as `null`.
   */
  partition: string;
  /** Jobs of the partition running now (prefetched ones included), in every client. */
  running: number;
  /** Jobs of the partition started in the current rate window (0 without a rate limit). */
  startsInPeriod: number;
  /**
   * When the oldest start in the window leaves it (ISO time), freeing room for one more start:
   * with `startsInPeriod` at the rate limit, the next job of the partition waits until then.
   * Null when nothing started in the window (or the queue has no rate limit).
   */
  windowFreesAt: string | null;
}

/** A limited queue's limits and current use, as `queueLimits` returns them. */
export interface QueueLimits {
  queue: string;
  /** The limits recorded by the last client that started working the queue. */
  limits: RecordedLimits;
  /** Partitions with running jobs or starts in the window, most running first. */
  partitions: PartitionUse[];
}

/** Options of `queueLimits`. */
export interface QueueLimitsParams {
  /** Only this queue. Default: every queue whose clients recorded limits. */
  queue?: string;
}

/** Each limited queue's limits and use per partition; see the client's `queueLimits`. */
export async function getQueueLimits(ctx: AdminContext, params: QueueLimitsParams = {}): Promise<QueueLimits[]> {
  throwIfIssues('queueLimits', isPlainObject(params) ? unknownKeyIssues(params, ['queue'], '', 'a queueLimits parameter') : [{ path: 'params', message: 'must be an object of { queue? }' }]);
  if (params.queue !== undefined) assertQueueName('queueLimits', params.queue);
  const rows = await adminQuery(ctx, queueLimitsList({ schema: ctx.schema, queue: params.queue }));
  const result: QueueLimits[] = [];
  for (const row of rows) {
    const limits = JSON.parse(row.limits) as RecordedLimits;
    const running = await adminQuery(ctx, queueRunningByPartition({ schema: ctx.schema, queue: row.name, partition: limits.concurrency?.partition ?? undefined }));
    const uses = new Map<string, PartitionUse>();
    const use = (partition: string) => uses.get(partition) ?? uses.set(partition, { partition, running: 0, startsInPeriod: 0, windowFreesAt: null }).get(partition)!;
    // Running jobs are counted by the concurrency partition, starts by the rate partition: the
    // two may differ, and then a partition shows in one count only.
    if (limits.concurrency) for (const r of running) use(String(r.partition)).running = Number(r.running);
    const period = limits.rateLimit?.period;
    if (period !== undefined && row.rate_use) {
      for (const [partition, [starts, oldest]] of Object.entries(JSON.parse(row.rate_use) as Record<string, [number, number]>)) {
        // The fetch's own rule: a start counts until period + margin after it.
        Object.assign(use(partition), { startsInPeriod: starts, windowFreesAt: new Date(oldest + period + RATE_WINDOW_MARGIN_MS).toISOString() });
      }
    }
    result.push({ queue: String(row.name), limits, partitions: [...uses.values()].sort((a, b) => b.running - a.running || b.startsInPeriod - a.startsInPeriod || a.partition.localeCompare(b.partition)) });
  }
  return result;
}
