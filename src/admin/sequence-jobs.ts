import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues, type ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import type { JobState } from '../schema/job-state.js';
import { SEQUENCE_DONE_LOOKBACK_IDS, sequenceJobs } from '../sql/sequence-jobs.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { getSequence, type Sequence } from './sequence-admin.js';

export { SEQUENCE_DONE_LOOKBACK_IDS };

/**
 * A job's part in its sequence. `done`: completed. `current`: holding it (available, scheduled,
 * running, or retryable waiting to retry). `halting`: cancelled or discarded after it ran, and
 * nothing runs until it is retried, deleted or resumed past. `skipped`: cancelled or discarded
 * without halting it (resumed past, a continueOn flag, or cancelled before it ran). `waiting`:
 * pending, for its turn.
 */
export type SequenceJobRole = 'done' | 'current' | 'halting' | 'skipped' | 'waiting';

/** One job of a sequence, as `sequenceJobs` lists it. */
export interface SequenceJobEntry {
  id: number;
  state: JobState;
  role: SequenceJobRole;
  attempt: number;
  maxAttempts: number;
  createdAt: Date;
  scheduledAt: Date;
  attemptedAt: Date | null;
  finalizedAt: Date | null;
  /** The message of its last error, or null. */
  error: string | null;
}

/** Options of `sequenceJobs`. */
export interface SequenceJobsParams {
  /**
   * At most this many jobs of each kind of role: done, cancelled or discarded, current, waiting;
   * 1 to {@link SEQUENCE_JOBS_MAX_LIMIT}. Default {@link SEQUENCE_JOBS_DEFAULT_LIMIT}.
   */
  limit?: number;
}

/** What `sequenceJobs` returns. */
export interface SequenceJobsResult {
  /** Where the sequence stands, or undefined when none of its jobs waits, runs or halts it. */
  sequence: Sequence | undefined;
  /** Its jobs in run (id) order. */
  jobs: SequenceJobEntry[];
}

export const SEQUENCE_JOBS_DEFAULT_LIMIT = 50;
export const SEQUENCE_JOBS_MAX_LIMIT = 1000;

const date = (value: unknown) => (value == null ? null : new Date(value as string));

/** A sequence's jobs in run order with each one's role; see the client's `sequenceJobs`. */
export async function listSequenceJobs(ctx: AdminContext, key: string, params: SequenceJobsParams = {}): Promise<SequenceJobsResult> {
  const issues: ValidationIssue[] = [];
  if (typeof key !== 'string' || !key.startsWith('kind=')) issues.push({ path: 'key', message: `must be a sequence key such as "kind=send_email&args={...}" (from sequenceList or a job's metadata), got ${JSON.stringify(key)}` });
  if (!isPlainObject(params)) issues.push({ path: 'params', message: 'must be an object of { limit? }' });
  else {
    issues.push(...unknownKeyIssues(params, ['limit'], '', 'a sequenceJobs parameter'));
    const limit = (params.limit ?? SEQUENCE_JOBS_DEFAULT_LIMIT) as number;
    if (!Number.isInteger(limit) || limit < 1 || limit > SEQUENCE_JOBS_MAX_LIMIT) issues.push({ path: 'limit', message: `must be an integer from 1 to ${SEQUENCE_JOBS_MAX_LIMIT}, got ${String(limit)}` });
  }
  throwIfIssues('sequenceJobs', issues);
  const [sequence, rows] = await Promise.all([
    getSequence({ ...ctx, method: ctx.method ?? 'sequenceJobs' }, key),
    adminQuery(ctx, sequenceJobs({ schema: ctx.schema, key, limit: params.limit ?? SEQUENCE_JOBS_DEFAULT_LIMIT })),
  ]);
  return {
    sequence,
    jobs: rows.map((row) => ({
      id: Number(row.id),
      state: row.state as JobState,
      role: row.role as SequenceJobRole,
      attempt: Number(row.attempt),
      maxAttempts: Number(row.max_attempts),
      createdAt: new Date(row.created_at),
      scheduledAt: new Date(row.scheduled_at),
      attemptedAt: date(row.attempted_at),
      finalizedAt: date(row.finalized_at),
      error: row.error ?? null,
    })),
  };
}
