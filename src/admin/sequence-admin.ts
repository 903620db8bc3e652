import { unknownKeyIssues } from '../did-you-mean.js';
import { throwIfIssues, type ValidationIssue } from '../errors.js';
import type { JobRow } from '../job-row.js';
import { SEQUENCE_METADATA_KEY } from '../insert/sequence-opts.js';
import { isPlainObject } from '../json-value.js';
import { promoteSequences } from '../maintenance/sequence-promotion.js';
import type { JobState } from '../schema/job-state.js';
import { sequenceList, sequenceResume } from '../sql/sequence-list.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { NotFoundError } from './admin-errors.js';

/** A job of a sequence: its id and state. */
export interface SequenceJob {
  id: number;
  state: JobState;
}

/** A sequence with a job that is not completed: where it stands. */
export interface Sequence {
  /** Its key, as stored in `metadata["tributary:sequence"].key`: `kind=<kind>[&args=<JSON>][&queue=<queue>]`. */
  key: string;
  kind: string;
  /**
   * `'running'`: a job holds it (available, scheduled, running, or retryable waiting to retry).
   * `'halted'`: a job that ran ended cancelled or discarded, and nothing runs until it is retried,
   * deleted or resumed past. `'waiting'`: its next job is about to be made available.
   */
  status: 'running' | 'halted' | 'waiting';
  /** The job holding it, or null. */
  current: SequenceJob | null;
  /** The cancelled or discarded job halting it, or null. */
  haltedBy: SequenceJob | null;
  /** How many jobs wait their turn (`pending`). */
  pending: number;
  /** The job that runs next, or null when none waits. */
  nextId: number | null;
}

/** Options of `sequenceList`. */
export interface SequenceListParams {
  /** Only halted sequences (`true`), or only those not halted (`false`). Default: all. */
  halted?: boolean;
  /** Only sequences of this job kind. Default: all. */
  kind?: string;
  /** Only keys after this one, in key order: pass the last key of a page for the next. Default: from the first. */
  after?: string;
  /** At most this many, 1 to {@link SEQUENCE_LIST_MAX_LIMIT}. Default {@link SEQUENCE_LIST_DEFAULT_LIMIT}. */
  limit?: number;
}

/** Sequences per `sequenceList` call when `limit` is not given. */
export const SEQUENCE_LIST_DEFAULT_LIMIT = 100;
/** The most sequences one `sequenceList` call returns. */
export const SEQUENCE_LIST_MAX_LIMIT = 10_000;

/** What `sequenceResume` did. */
export interface SequenceResumeResult {
  /** The halting jobs moved past (left as they are, marked `resumed_at`); empty when it was not halted. */
  skipped: number[];
  /** The sequence as it is after resuming, or undefined when it has nothing left to run. */
  sequence: Sequence | undefined;
}

const job = (id: unknown, state: unknown): SequenceJob | null => (id == null ? null : { id: Number(id), state: String(state) as JobState });

function sequenceFromRow(row: Record<string, any>): Sequence {
  const current = job(row.current_id, row.current_state);
  const haltedBy = job(row.halted_by_id, row.halted_by_state);
  return {
    key: String(row.key),
    kind: String(row.kind),
    status: haltedBy ? 'halted' : current ? 'running' : 'waiting',
    current,
    haltedBy,
    pending: Number(row.pending),
    nextId: row.next_id == null ? null : Number(row.next_id),
  };
}

const keyIssues = (key: unknown, path: string): ValidationIssue[] =>
  typeof key === 'string' && key.startsWith('kind=') ? [] : [{ path, message: `must be a sequence key such as "kind=send_email&args={...}" (from sequenceList or a job's metadata["${SEQUENCE_METADATA_KEY}"].key), got ${JSON.stringify(key)}` }];

/** Sequences in key order; see the client's `sequenceList`. */
export async function listSequences(ctx: AdminContext, params: SequenceListParams = {}): Promise<Sequence[]> {
  const issues: ValidationIssue[] = [];
  if (!isPlainObject(params)) issues.push({ path: 'params', message: 'must be an object of { halted?, kind?, after?, limit? }' });
  else {
    issues.push(...unknownKeyIssues(params, ['halted', 'kind', 'after', 'limit'], '', 'a sequenceList parameter'));
    if (params.halted !== undefined && typeof params.halted !== 'boolean') issues.push({ path: 'halted', message: `must be a boolean, got ${String(params.halted)}` });
    if (params.kind !== undefined && typeof params.kind !== 'string') issues.push({ path: 'kind', message: `must be a job kind, got ${String(params.kind)}` });
    if (params.after !== undefined) issues.push(...keyIssues(params.after, 'after'));
    const limit = (params.limit ?? SEQUENCE_LIST_DEFAULT_LIMIT) as number;
    if (!Number.isInteger(limit) || limit < 1 || limit > SEQUENCE_LIST_MAX_LIMIT) issues.push({ path: 'limit', message: `must be an integer from 1 to ${SEQUENCE_LIST_MAX_LIMIT}, got ${String(limit)}` });
  }
  throwIfIssues('sequenceList', issues);
  const rows = await adminQuery(ctx, sequenceList({
    schema: ctx.schema, key: null, after: params.after ?? null, kind: params.kind ?? null, halted: params.halted ?? null, limit: params.limit ?? SEQUENCE_LIST_DEFAULT_LIMIT,
  }));
  return rows.map(sequenceFromRow);
}

/** The sequence with this key, or undefined when none of its jobs is waiting, holding or halting it. */
export async function getSequence(ctx: AdminContext, key: string): Promise<Sequence | undefined> {
  throwIfIssues(ctx.method ?? 'sequenceGet', keyIssues(key, 'key'));
  const [row] = await adminQuery(ctx, sequenceList({ schema: ctx.schema, key, after: null, kind: null, halted: null, limit: 1 }));
  return row ? sequenceFromRow(row) : undefined;
}

/** Moves a halted sequence past its halting job, without running that job again; see the client's `sequenceResume`. */
export async function resumeSequence(ctx: AdminContext, key: string): Promise<SequenceResumeResult> {
  throwIfIssues('sequenceResume', keyIssues(key, 'key'));
  const skipped = (await adminQuery(ctx, sequenceResume({ schema: ctx.schema, key }))).map((row) => Number(row.id));
  await promoteKeys(ctx, [key]);
  const sequence = await getSequence(ctx, key);
  if (skipped.length === 0 && !sequence) throw new NotFoundError('sequence', key);
  return { skipped, sequence };
}

/**
 * After an admin action changed a job (retried, cancelled, deleted): when it is in a sequence,
 * promotes that sequence's next job at once, as the promoters would, so a sequence halted by it
 * goes on without waiting for the leader.
 */
export async function afterJobChanged(ctx: AdminContext, changed: JobRow): Promise<void> {
  const key = (changed.metadata[SEQUENCE_METADATA_KEY] as { key?: unknown } | undefined)?.key;
  if (typeof key === 'string') await promoteKeys(ctx, [key]);
}

async function promoteKeys(ctx: AdminContext, keys: string[]): Promise<void> {
  try {
    await promoteSequences(ctx.pool, ctx.schema, keys);
  } catch (error) {
    // The same reporting as every admin statement: missing tables, an unreachable database.
    await adminQuery(ctx, { text: 'SELECT 1', values: [] });
    throw error;
  }
}
