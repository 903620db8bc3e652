import { sql, type SQL } from 'drizzle-orm';
import { qualified, UNIQUE_INDEX_PREDICATE } from './identifiers.js';

/** One job to insert, in the shape `jobInsertMany` sends to Postgres as JSON. */
export interface JobInsertRow {
  /** Position in the batch, so rows are inserted (and get ids) in the caller's order. */
  ord: number;
  args: Record<string, unknown>;
  kind: string;
  max_attempts: number;
  metadata: Record<string, unknown>;
  pending: boolean;
  priority: number;
  queue: string;
  /** ISO time, or null for now() on the database's clock. */
  scheduled_at: string | null;
  tags: readonly string[];
  /** Hex of the 32-byte key, or null. */
  unique_key: string | null;
  /** `bit(8)` text, or null. */
  unique_states: string | null;
}

/**
 * Inserts any number of jobs in one statement and one round trip, and notifies
 * `<schema>.river_insert` once per queue that got an available job, in the caller's transaction.
 *
 * The whole batch travels as one JSON text parameter: every driver sends a string the same way,
 * so no array or jsonb serialization differs between node-postgres, postgres.js and PGlite. The
 * state is decided on the database's clock, like the fetch that will later pick the job up.
 * A unique duplicate returns the existing row untouched (the no-op update is what makes
 * ON CONFLICT return it), flagged by xmax, which is non-zero only for a row that was there before.
 * Returns one `row_to_json` text per row: identical parsing whatever type parsers the driver has.
 */
export function jobInsertMany(params: { schema: string | undefined; rows: readonly JobInsertRow[] }): SQL {
  const job = qualified(params.schema, 'river_job');
  const state = qualified(params.schema, 'river_job_state');
  return sql`WITH input AS (
  SELECT * FROM jsonb_to_recordset(${JSON.stringify(params.rows)}::text::jsonb) AS i(
    ord integer, args jsonb, kind text, max_attempts smallint, metadata jsonb, pending boolean,
    priority smallint, queue text, scheduled_at timestamptz, tags varchar(255)[],
    unique_key text, unique_states text)
),
inserted AS (
  INSERT INTO ${job} AS j
    (args, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states)
  SELECT args, kind, max_attempts, metadata, priority, queue, coalesce(scheduled_at, now()),
    (CASE WHEN pending THEN 'pending' WHEN scheduled_at > now() THEN 'scheduled' ELSE 'available' END)::${state},
    tags, decode(unique_key, 'hex'), unique_states::bit(8)
  FROM input
  ORDER BY ord
  ON CONFLICT (unique_key) WHERE ${UNIQUE_INDEX_PREDICATE}
  DO UPDATE SET kind = j.kind
  RETURNING j.*, (j.xmax <> 0) AS unique_skipped_as_duplicate
),
notified AS (
  SELECT count(pg_notify(
    coalesce(${params.schema ?? null}::text, current_schema()) || '.river_insert',
    '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available' AND NOT unique_skipped_as_duplicate) AS q
)
SELECT row_to_json(inserted)::text AS job FROM inserted, notified`;
}
