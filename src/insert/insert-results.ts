import { TributaryError } from '../errors.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import type { JobState } from '../schema/job-state.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { statesFromBits } from './unique-key.js';

/** What an insert returns for each job. */
export interface InsertResult<Args = Record<string, unknown>> {
  /** The job as stored; for a unique duplicate, the job that was already there. */
  job: JobRow<Args>;
  /** True when a unique job with the same key existed, so nothing was inserted. */
  uniqueSkippedAsDuplicate: boolean;
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
  return rows.map((row, i) => ({ job: newJobRow(row, inserted[i]!, date), uniqueSkippedAsDuplicate: false }));
}

/**
 * Pairs each item with the text `jobInsertMany` returned for it. A duplicate comes back whole; a
 * new row as the values the database chose, completed from what was sent. Unique rows are
 * matched by key, the rest by id: ids are drawn in insertion order.
 */
export function resultsInItemOrder(rows: readonly JobInsertRow[], returned: readonly string[]): InsertResult[] {
  const byKey = new Map<string, JobRow | Inserted>();
  const plain: Inserted[] = [];
  for (const text of returned) {
    if (text.startsWith('{')) {
      const job = jobRowFromJson<Record<string, unknown>>(JSON.parse(text) as Record<string, unknown>);
      byKey.set(job.uniqueKey?.toString('hex') ?? '', job);
      continue;
    }
    const inserted = JSON.parse(text) as Inserted;
    if (inserted[4] !== null) byKey.set(inserted[4], inserted);
    else plain.push(inserted);
  }
  plain.sort((a, b) => a[0] - b[0]);
  let nextPlain = 0;
  const date = dateParser();
  const built = new Map<string, JobRow>();
  return rows.map((row) => {
    const found = row.unique_key === null ? plain[nextPlain++] : byKey.get(row.unique_key);
    if (!found) throw new TributaryError(`insert returned no row for item ${row.ord}`);
    if (!Array.isArray(found)) return { job: found, uniqueSkippedAsDuplicate: true };
    if (row.unique_key === null) return { job: newJobRow(row, found, date), uniqueSkippedAsDuplicate: false };
    // Later items with the key of one inserted in this batch are its duplicates: the same job.
    const first = built.get(row.unique_key);
    if (first) return { job: first, uniqueSkippedAsDuplicate: true };
    const job = newJobRow(row, found, date);
    built.set(row.unique_key, job);
    return { job, uniqueSkippedAsDuplicate: false };
  });
}
