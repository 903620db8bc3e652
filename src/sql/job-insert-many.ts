import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { arrayLiteral } from './array-literal.js';
import { qualified, UNIQUE_INDEX_PREDICATE } from './identifiers.js';
import type { JobState } from '../schema/job-state.js';
import type { Query } from './query.js';

/** One job to insert, as `jobInsertMany` sends it: already validated, with every option resolved. */
export interface JobInsertRow {
  /** Position in the batch, so rows are inserted (and get ids) in the caller's order. */
  ord: number;
  /** JSON text. */
  args: string;
  kind: string;
  max_attempts: number;
  /** JSON text. */
  metadata: string;
  pending: boolean;
  priority: number;
  queue: string;
  /** ISO time, or null for now() on the database's clock. */
  scheduled_at: string | null;
  /** Tag names: word characters and `-` only, so a comma can join them. */
  tags: readonly string[];
  /** Hex of the 32-byte key, or null. */
  unique_key: string | null;
  /** A unique row that replaces a waiting duplicate's args, schedule and priority (`onConflict: 'replace'`). */
  replace: boolean;
  /** In a sequence: its insert must wake the sequence promoter. Not a column. */
  sequenced: boolean;
  /** `bit(8)` text, or null. */
  unique_states: string | null;
}

/** Builds one array literal parameter per column, in the order the statement's `unnest` reads them. */
function columns(rows: readonly JobInsertRow[]): string[] {
  return [
    arrayLiteral(rows.map((r) => r.args)),
    arrayLiteral(rows.map((r) => r.kind)),
    arrayLiteral(rows.map((r) => r.max_attempts)),
    arrayLiteral(rows.map((r) => r.metadata)),
    arrayLiteral(rows.map((r) => r.pending)),
    arrayLiteral(rows.map((r) => r.priority)),
    arrayLiteral(rows.map((r) => r.queue)),
    arrayLiteral(rows.map((r) => r.scheduled_at)),
    arrayLiteral(rows.map((r) => r.tags.join(','))),
    arrayLiteral(rows.map((r) => r.unique_key)),
    arrayLiteral(rows.map((r) => r.unique_states)),
    arrayLiteral(rows.map((r) => r.replace)),
  ];
}

/**
 * The states of an existing job that `onConflict: 'replace'` updates: the two in which it only
 * waits for its time (River UI's "available" and "scheduled"). Not retryable (it has run: its
 * errors and attempts belong to the args it ran with), not pending (its state is for whatever
 * will make it available to decide), never running or finalized.
 */
export const REPLACEABLE_STATES = ['available', 'scheduled'] as const satisfies readonly JobState[];

/** {@link REPLACEABLE_STATES} as SQL literals. */
const WAITING = sql.raw(REPLACEABLE_STATES.map((state) => `'${state}'`).join(', '));

/** Whether a replacing insert updates the existing row `j`: it waits to run, and is of the same kind. */
const REPLACEABLE = sql`j.state IN (${WAITING}) AND j.kind = excluded.kind`;

/** The columns an insert writes, in one order for every insert. */
const COLUMNS = sql.raw('args, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags, unique_key, unique_states');

/**
 * Inserts any number of jobs in one statement and one round trip, and notifies
 * `<schema>.river_insert` once per queue that got an available job, in the caller's transaction.
 *
 * Each column travels as one array literal in a text parameter, unnested on the server: every
 * driver (node-postgres, postgres.js, PGlite) sends a string the same way, and Postgres reads
 * arrays of small values far faster than one JSON document of the whole batch (measured: the
 * JSON parse alone was a third of a 1,000-row insert). The state is decided on the database's
 * clock, like the fetch that will later pick the job up. A unique duplicate returns the existing
 * row untouched (the no-op update is what makes ON CONFLICT return it), flagged by xmax, which is
 * non-zero only for a row that was there before. A replacing row (`replace`) updates a duplicate
 * that is waiting (available or scheduled) and leaves any other untouched: the update always
 * runs, its values chosen by CASE, because ON CONFLICT DO UPDATE ... WHERE returns no row at all
 * when the WHERE is false, and the statement's snapshot could not read back a row a concurrent
 * transaction committed after it began. Whether it was replaced is read from the state after the
 * update: a replace keeps a row available or scheduled, a skip leaves every other state as it was.
 *
 * Returns one text per row. A new row comes back as the JSON array
 * `[id, state, created_at, scheduled_at, unique key hex or null]`, the only values the database
 * chose (the caller has the rest); a duplicate, skipped or replaced, as the whole row as stored,
 * `row_to_json` text, with `unique_skipped_as_duplicate` and `unique_replaced` set.
 */
export function jobInsertMany(params: { schema: string | undefined; rows: readonly JobInsertRow[] }): SQL {
  const job = qualified(params.schema, 'river_job');
  const state = qualified(params.schema, 'river_job_state');
  const [args, kind, maxAttempts, metadata, pending, priority, queue, scheduledAt, tags, uniqueKey, uniqueStates, replace] = columns(params.rows);
  return sql`WITH input AS (
  SELECT * FROM unnest(
    ${args}::text::jsonb[], ${kind}::text::text[], ${maxAttempts}::text::smallint[], ${metadata}::text::jsonb[],
    ${pending}::text::boolean[], ${priority}::text::smallint[], ${queue}::text::text[], ${scheduledAt}::text::timestamptz[],
    ${tags}::text::text[], ${uniqueKey}::text::text[], ${uniqueStates}::text::text[], ${replace}::text::boolean[]
  ) WITH ORDINALITY AS i(args, kind, max_attempts, metadata, pending, priority, queue, scheduled_at, tags, unique_key, unique_states, replace, ord)
),
rows AS (
  SELECT args, kind, max_attempts, metadata, priority, queue, coalesce(scheduled_at, now()) AS scheduled_at,
    (CASE WHEN pending THEN 'pending' WHEN scheduled_at > now() THEN 'scheduled' ELSE 'available' END)::${state} AS state,
    string_to_array(tags, ',')::varchar(255)[] AS tags, decode(unique_key, 'hex') AS unique_key,
    unique_states::bit(8) AS unique_states, replace, ord
  FROM input
),
-- Two inserts: ON CONFLICT makes every row a speculative insertion (an index probe and a second
-- WAL record), a cost only unique jobs need to pay.
plain AS (
  INSERT INTO ${job} AS j (${COLUMNS})
  SELECT ${COLUMNS} FROM rows WHERE unique_key IS NULL ORDER BY ord
  RETURNING j.*, false AS unique_skipped_as_duplicate, false AS unique_replaced
),
uniq AS (
  INSERT INTO ${job} AS j (${COLUMNS})
  SELECT ${COLUMNS} FROM rows WHERE unique_key IS NOT NULL AND NOT replace ORDER BY ord
  ON CONFLICT (unique_key) WHERE ${UNIQUE_INDEX_PREDICATE}
  DO UPDATE SET kind = j.kind
  RETURNING j.*, (j.xmax <> 0) AS unique_skipped_as_duplicate, false AS unique_replaced
),
-- The kind test never fails for keys Tributary makes (replace refuses excludeKind, so the key
-- holds the kind); it keeps another kind's job from ever getting these args.
replacing AS (
  INSERT INTO ${job} AS j (${COLUMNS})
  SELECT ${COLUMNS} FROM rows WHERE unique_key IS NOT NULL AND replace ORDER BY ord
  ON CONFLICT (unique_key) WHERE ${UNIQUE_INDEX_PREDICATE}
  DO UPDATE SET
    args = CASE WHEN ${REPLACEABLE} THEN excluded.args ELSE j.args END,
    priority = CASE WHEN ${REPLACEABLE} THEN excluded.priority ELSE j.priority END,
    scheduled_at = CASE WHEN ${REPLACEABLE} THEN excluded.scheduled_at ELSE j.scheduled_at END,
    state = CASE WHEN ${REPLACEABLE} THEN excluded.state ELSE j.state END
  RETURNING j.*, (j.xmax <> 0 AND j.state NOT IN (${WAITING})) AS unique_skipped_as_duplicate,
    (j.xmax <> 0 AND j.state IN (${WAITING})) AS unique_replaced
),
inserted AS (
  SELECT * FROM plain UNION ALL SELECT * FROM uniq UNION ALL SELECT * FROM replacing
),
notified AS (
  SELECT count(pg_notify(
    coalesce(${params.schema ?? null}::text, current_schema()) || '.river_insert',
    '{"queue":' || to_json(queue)::text || '}')) AS n
  FROM (SELECT DISTINCT queue FROM inserted WHERE state = 'available' AND NOT unique_skipped_as_duplicate) AS q
)
SELECT CASE WHEN unique_skipped_as_duplicate OR unique_replaced THEN row_to_json(inserted)::text
  ELSE json_build_array(id, state, created_at, scheduled_at, encode(unique_key, 'hex'))::text END AS job
FROM inserted, notified`;
}

const dialect = new PgDialect();

/**
 * {@link jobInsertMany} as text and values, to run as a prepared statement: its text depends
 * only on the schema, so a connection plans it once instead of on every batch.
 */
export function jobInsertManyQuery(params: { schema: string | undefined; rows: readonly JobInsertRow[] }): Query {
  const { sql: text, params: values } = dialect.sqlToQuery(jobInsertMany(params));
  return { text, values };
}
