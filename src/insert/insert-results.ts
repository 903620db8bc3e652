import { TributaryError } from '../errors.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { JobState } from '../schema/job-state.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { replacesEarlier } from './same-key.js';
import { statesFromBits } from './unique-key.js';

/**
 * What an insert returns for each job. At most one flag is true: both false is a new job.
 */
export interface InsertResult<Args = Record<string, unknown>, Output = unknown> {
  /** The job as stored; for a unique duplicate, the job that was already there (as replaced, if it was). */
  job: JobRow<Args, Output>;
  /**
   * True when a unique job with the same key existed and was left as it was, so nothing was
   * written: with the default `onConflict: 'skip'`, or with `'replace'` when the existing job was
   * not waiting to run (running, retryable, pending, or finalized).
   */
  uniqueSkippedAsDuplicate: boolean;
  /**
   * True when a unique job with the same key was waiting (available or scheduled) and this
   * insert, with `uniqueOpts.onConflict: 'replace'`, replaced its args, schedule and priority;
   * `job` is that job, updated, with its own id.
   */
  uniqueReplaced: boolean;
}

/** What the database chose for a new row: id, state, created_at, scheduled_at, unique key hex. */
export type Inserted = [id: number, state: JobState, createdAt: string, scheduledAt: string, uniqueKey: string | null];

/**
 * A batch's rows share one created_at and mostly one scheduled_at; Date's parser is slow on
 * Postgres' microsecond timestamps, so each distinct text is parsed once.
 */
function dateParser(): (text: string) => Date {
  const dates = new Map<string, number>();
  return (text) => {
    let ms = dates.get(text);
    if (ms === undefined) dates.set(text, (ms = new Date(text).getTime()));
    return new Date(ms);
  };
}

/** A newly inserted job, from what was sent and what the database chose. */
function newJobRow(row: JobInsertRow, [id, state, createdAt, scheduledAt, uniqueKey]: Inserted, date: (text: string) => Date): JobRow {
  return {
    id,
    state,
    attempt: 0,
    maxAttempts: row.max_attempts,
    attemptedAt: null,
    createdAt: date(createdAt),
    finalizedAt: null,
    scheduledAt: date(scheduledAt),
    priority: row.priority,
    // Parsed from the text sent, so the job holds its own copy, as one read back would.
    args: JSON.parse(row.args) as Record<string, unknown>,
    attemptedBy: [],
    errors: [],
    kind: row.kind,
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    queue: row.queue,
    tags: [...row.tags],
    uniqueKey: uniqueKey === null ? null : Buffer.from(uniqueKey, 'hex'),
    uniqueStates: row.unique_states === null ? null : statesFromBits(row.unique_states),
  };
}

/** Results for rows that were all inserted as new, `inserted[i]` being what the database chose for `rows[i]`. */
export function newJobResults(rows: readonly JobInsertRow[], inserted: readonly Inserted[]): InsertResult[] {
  const date = dateParser();
  return rows.map((row, i) => ({ job: newJobRow(row, inserted[i]!, date), uniqueSkippedAsDuplicate: false, uniqueReplaced: false }));
}

/** What the statement did with a unique key's row. */
type Outcome = 'inserted' | 'skipped' | 'replaced';

const NEW = { uniqueSkippedAsDuplicate: false, uniqueReplaced: false } as const;
const SKIPPED = { uniqueSkippedAsDuplicate: true, uniqueReplaced: false } as const;
const REPLACED = { uniqueSkippedAsDuplicate: false, uniqueReplaced: true } as const;

/**
 * An item's flags, as if the batch's items with its key had been inserted one after another:
 * the first gets what the statement did, unless that was a later item's replace; a later one
 * replaced the first's job if it replaces it at all and the job was replaceable.
 */
function flags(row: JobInsertRow, first: JobInsertRow, outcome: Outcome) {
  if (row === first) return outcome === 'inserted' ? NEW : outcome === 'replaced' && row.replace ? REPLACED : SKIPPED;
  return outcome !== 'skipped' && replacesEarlier(first, row) ? REPLACED : SKIPPED;
}

/**
 * Pairs each item with the text `jobInsertMany` returned for the row sent for it (`sent`, one
 * per unique key: see `rowsToSend`). A duplicate comes back whole; a new row as the values the
 * database chose, completed from what was sent. Unique rows are matched by key, the rest by id:
 * ids are drawn in insertion order. Every item of one unique key gets the same job, as stored
 * when the statement ends.
 */
export function resultsInItemOrder(rows: readonly JobInsertRow[], sent: readonly JobInsertRow[], returned: readonly string[]): InsertResult[] {
  const byKey = new Map<string, { outcome: Outcome; job: JobRow | Inserted }>();
  const plain: Inserted[] = [];
  for (const text of returned) {
    if (text.startsWith('{')) {
      const raw = JSON.parse(text) as Record<string, unknown>;
      const job = jobRowFromJson<Record<string, unknown>>(raw);
      byKey.set(job.uniqueKey?.toString('hex') ?? '', { outcome: raw.unique_replaced === true ? 'replaced' : 'skipped', job });
      continue;
    }
    const inserted = JSON.parse(text) as Inserted;
    if (inserted[4] !== null) byKey.set(inserted[4], { outcome: 'inserted', job: inserted });
    else plain.push(inserted);
  }
  plain.sort((a, b) => a[0] - b[0]);
  let nextPlain = 0;
  const date = dateParser();
  const sentByKey = new Map(sent.filter((row) => row.unique_key !== null).map((row) => [row.unique_key!, row]));
  const firstByKey = new Map<string, JobInsertRow>();
  const built = new Map<string, JobRow>();
  return rows.map((row) => {
    if (row.unique_key === null) {
      const found = plain[nextPlain++];
      if (!found) throw new TributaryError(`insert returned no row for item ${row.ord}`);
      return { job: newJobRow(row, found, date), ...NEW };
    }
    const found = byKey.get(row.unique_key);
    if (!found) throw new TributaryError(`insert returned no row for item ${row.ord}`);
    if (!firstByKey.has(row.unique_key)) firstByKey.set(row.unique_key, row);
    let job = built.get(row.unique_key);
    if (!job) {
      // A new row is completed from the row sent, which holds the last replacing item's args.
      job = Array.isArray(found.job) ? newJobRow(sentByKey.get(row.unique_key)!, found.job, date) : found.job;
      built.set(row.unique_key, job);
    }
    return { job, ...flags(row, firstByKey.get(row.unique_key)!, found.outcome) };
  });
}
