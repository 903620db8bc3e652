import type { JobState } from './schema/job-state.js';
import { statesFromBits } from './insert/unique-key.js';

/** One failed attempt, as River records it in `river_job.errors`. */
export interface AttemptError {
  /** When the attempt failed. */
  at: Date;
  /** The attempt number, from 1. */
  attempt: number;
  /** The error's message. */
  error: string;
  /** The stack trace, or `''`. */
  trace: string;
  /**
   * When the failed attempt started (`attempted_at` in the entry), so its duration is `at`
   * minus this. Written by Tributary's executor; absent in entries written
   * by River's clients, the rescuer, or older versions (River's row keeps only the last start).
   */
  attemptedAt?: Date;
  /** The id of the client that ran the failed attempt (`attempted_by` in the entry); absent as `attemptedAt` is. */
  attemptedBy?: string;
}

/**
 * A job as stored in `river_job`, with its args typed by its job definition, and its output by
 * the definition's `output` schema.
 */
export interface JobRow<Args = Record<string, unknown>, Output = unknown> {
  id: number;
  state: JobState;
  /** Attempts started so far; 0 until the job first runs. */
  attempt: number;
  maxAttempts: number;
  attemptedAt: Date | null;
  createdAt: Date;
  finalizedAt: Date | null;
  scheduledAt: Date;
  /** 1 (runs first) to 4. */
  priority: number;
  args: Args;
  /** Ids of the clients that fetched it, oldest first, at most the last 100. `[]` if none. */
  attemptedBy: string[];
  /** One entry per failed attempt, oldest first. `[]` if none. */
  errors: AttemptError[];
  kind: string;
  metadata: Record<string, unknown>;
  /**
   * What the worker returned, as its job's `output` schema parsed it (`metadata.output`, where
   * River records output): set once the job completed; undefined before, and for a job whose
   * definition has no `output` schema (unless another client recorded one).
   */
  output?: Output;
  queue: string;
  tags: string[];
  /** SHA-256 unique key, or `null` for a job that is not unique. */
  uniqueKey: Buffer | null;
  /** States in which this job blocks duplicates, or `null` for a job that is not unique. */
  uniqueStates: JobState[] | null;
}

const date = (value: unknown): Date | null => (value == null ? null : new Date(value as string));

function bytes(value: unknown): Buffer | null {
  if (value == null) return null;
  const text = String(value);
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}

/** An `errors` element as stored (JSON text or an object) read into an {@link AttemptError}. */
export function attemptErrorOf(value: unknown): AttemptError {
  // Rows may come from other clients; a malformed entry is kept as text rather than failing the
  // whole fetch, which would strand the jobs it already marked running.
  let raw: unknown = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch {
      raw = { error: value };
    }
  }
  const entry = (typeof raw === 'object' && raw !== null ? raw : { error: JSON.stringify(raw) }) as Record<string, unknown>;
  const error: AttemptError = {
    at: new Date(typeof entry.at === 'string' || typeof entry.at === 'number' ? entry.at : Number.NaN),
    attempt: Number(entry.attempt ?? 0),
    error: typeof entry.error === 'string' ? entry.error : JSON.stringify(entry.error ?? null),
    trace: typeof entry.trace === 'string' ? entry.trace : '',
  };
  if (typeof entry.attempted_at === 'string' && !Number.isNaN(Date.parse(entry.attempted_at))) error.attemptedAt = new Date(entry.attempted_at);
  if (typeof entry.attempted_by === 'string') error.attemptedBy = entry.attempted_by;
  return error;
}

const objectOr = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/**
 * Reads a job from `row_to_json(river_job)` text. Reading through JSON text makes every driver
 * (node-postgres, postgres.js, PGlite) give the same values whatever type parsers it has set.
 */
export function jobRowFromJson<Args, Output = unknown>(raw: Record<string, unknown>): JobRow<Args, Output> {
  const metadata = objectOr(raw.metadata);
  const row: JobRow<Args, Output> = {
    id: Number(raw.id),
    state: raw.state as JobState,
    attempt: Number(raw.attempt),
    maxAttempts: Number(raw.max_attempts),
    attemptedAt: date(raw.attempted_at),
    createdAt: date(raw.created_at) as Date,
    finalizedAt: date(raw.finalized_at),
    scheduledAt: date(raw.scheduled_at) as Date,
    priority: Number(raw.priority),
    args: raw.args as Args,
    attemptedBy: (raw.attempted_by as string[] | null) ?? [],
    errors: ((raw.errors as unknown[] | null) ?? []).map(attemptErrorOf),
    kind: String(raw.kind),
    metadata,
    queue: String(raw.queue),
    tags: (raw.tags as string[] | null) ?? [],
    uniqueKey: bytes(raw.unique_key),
    uniqueStates: raw.unique_states == null ? null : statesFromBits(String(raw.unique_states)),
  };
  if (metadata.output !== undefined) row.output = metadata.output as Output;
  return row;
}
