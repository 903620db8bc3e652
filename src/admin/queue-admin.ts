import { isPlainObject } from '../json-value.js';
import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues } from '../errors.js';
import { queueGet, queueList } from '../sql/queue-get.js';
import { queuePause, queueResume } from '../sql/queue-pause.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { NotFoundError } from './admin-errors.js';
import { assertQueueName } from './admin-input.js';

/** A queue as stored in `river_queue`: one row per queue a client works, refreshed while it does. */
export interface QueueRow {
  name: string;
  createdAt: Date;
  /** Last refreshed by a client working it; rows idle for a day are removed. */
  updatedAt: Date;
  /** When it was paused, or null while it runs. */
  pausedAt: Date | null;
  /** The row's metadata, without `tributary:rate` (a rate limit's recent starts: see `queueLimits`). */
  metadata: Record<string, unknown>;
}

/** Options of `queueList`. */
export interface QueueListParams {
  /** At most this many queues, 1 to {@link QUEUE_LIST_MAX_LIMIT}. Default {@link QUEUE_LIST_DEFAULT_LIMIT}. */
  limit?: number;
}

/** Queues per `queueList` call when `limit` is not given. */
export const QUEUE_LIST_DEFAULT_LIMIT = 100;
/** The most queues one `queueList` call returns. */
export const QUEUE_LIST_MAX_LIMIT = 10_000;

function queueRowFromJson(raw: Record<string, any>): QueueRow {
  return {
    name: String(raw.name),
    createdAt: new Date(raw.created_at),
    updatedAt: new Date(raw.updated_at),
    pausedAt: raw.paused_at == null ? null : new Date(raw.paused_at),
    metadata: isPlainObject(raw.metadata) ? raw.metadata : {},
  };
}

/** The queue named `name`, or undefined. */
export async function getQueue(ctx: AdminContext, name: string): Promise<QueueRow | undefined> {
  assertQueueName('queueGet', name);
  const [row] = await adminQuery(ctx, queueGet({ schema: ctx.schema, name }));
  return row ? queueRowFromJson(JSON.parse(String(row.queue))) : undefined;
}

/** Queues in name order. */
export async function listQueues(ctx: AdminContext, params: QueueListParams = {}): Promise<QueueRow[]> {
  const limit = params?.limit ?? QUEUE_LIST_DEFAULT_LIMIT;
  throwIfIssues('queueList', [
    ...(isPlainObject(params) ? unknownKeyIssues(params, ['limit'], '', 'a queueList parameter') : [{ path: 'params', message: 'must be an object of { limit? }' }]),
    ...(Number.isInteger(limit) && limit >= 1 && limit <= QUEUE_LIST_MAX_LIMIT
      ? []
      : [{ path: 'limit', message: `must be an integer from 1 to ${QUEUE_LIST_MAX_LIMIT}, got ${String(limit)}` }]),
  ]);
  return (await adminQuery(ctx, queueList({ schema: ctx.schema, limit }))).map((row) => queueRowFromJson(JSON.parse(String(row.queue))));
}

async function setPaused(ctx: AdminContext, method: 'queuePause' | 'queueResume', name: string): Promise<void> {
  assertQueueName(method, name, { allowAll: true });
  const rows = await adminQuery(ctx, (method === 'queuePause' ? queuePause : queueResume)({ schema: ctx.schema, name }));
  if (name !== '*' && Number(rows[0]?.updated ?? 0) === 0) throw new NotFoundError('queue', name);
}

/** Pauses a queue, or every queue with `'*'`; see the client's `queuePause`. */
export function pauseQueue(ctx: AdminContext, name: string): Promise<void> {
  return setPaused(ctx, 'queuePause', name);
}

/** Resumes a queue, or every queue with `'*'`; see the client's `queueResume`. */
export function resumeQueue(ctx: AdminContext, name: string): Promise<void> {
  return setPaused(ctx, 'queueResume', name);
}
