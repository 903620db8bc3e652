import type { JobState } from '../schema/job-state.js';
import type { JobInsertRow } from './job-insert-many.js';
import { TributaryError } from '../errors.js';
import { arrayLiteral } from './array-literal.js';
import { query, quoteIdent, type Query } from './query.js';

/**
 * The columns `jobCopyData` writes, in its order. Every column a new row's defaults would fill
 * with a value of the moment (id, created_at, scheduled_at, state) is sent explicitly, decided by
 * {@link jobCopyReserve} on the database's clock, so the caller knows the stored row without
 * reading it back (COPY returns no rows). The rest keep their column defaults (attempt 0, no
 * attempted_by, errors, finalized_at, unique key).
 */
const COLUMNS = 'id, args, created_at, kind, max_attempts, metadata, priority, queue, scheduled_at, state, tags';

/** `COPY river_job (...) FROM STDIN` in text format, for the schema's table. */
export function jobCopyStatement(schema: string | undefined): string {
  return `COPY ${qualifiedName(schema)} (${COLUMNS}) FROM STDIN`;
}

const qualifiedName = (schema: string | undefined) => (schema ? `${quoteIdent(schema)}.${quoteIdent('river_job')}` : quoteIdent('river_job'));

/** What {@link jobCopyReserve} returns: ids in ascending order, and the transaction's now(). */
export interface Reserved {
  ids: number[];
  /** The transaction's `now()`, UTC, as `YYYY-MM-DDTHH:MM:SS.ffffffZ`: what the columns' `now()` defaults would be. */
  now: string;
  /** The same instant in microseconds since the epoch, to decide states exactly as `scheduled_at > now()` would. */
  nowMicros: number;
}

/**
 * Reserves `count` job ids from river_job's own sequence (the one its `id` default draws from,
 * so ids stay unique with every other inserter), reads the transaction's `now()`, and notifies
 * `<schema>.river_insert` once for each queue in `queues` whose `earliest` time is null (a job
 * due now) or not after now(): the queues that get an available job. One round trip, in the
 * caller's transaction: Postgres sends the notifications only if it commits, and the COPY that
 * follows uses the same now(), so states decided here and the notifications agree.
 *
 * `queues` and `earliest` are parallel: for each queue with a job that is not pending, null if
 * one has no scheduled_at, else the earliest scheduled_at (ISO) among them.
 */
export function jobCopyReserve(params: { schema: string | undefined; count: number; queues: readonly string[]; earliest: readonly (string | null)[] }): Query {
  // The sequence is looked up once (MATERIALIZED): inline, pg_get_serial_sequence would run
  // for each id, and took longer than drawing them.
  return query`WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence(${qualifiedName(params.schema)}::text, 'id')::regclass AS seq)
SELECT
  (SELECT string_agg(nextval(s.seq)::text, ',') FROM s, generate_series(1, ${String(params.count)}::int)) AS ids,
  to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS now,
  (SELECT count(pg_notify(coalesce(${params.schema ?? null}::text, current_schema()) || '.river_insert', '{"queue":' || to_json(q.queue)::text || '}'))
    FROM unnest(${arrayLiteral(params.queues)}::text::text[], ${arrayLiteral(params.earliest)}::text::timestamptz[]) AS q(queue, earliest)
    WHERE q.earliest IS NULL OR q.earliest <= now())::text AS notified`;
}

/** Parses the row {@link jobCopyReserve} returns. */
export function reservedFrom(row: readonly unknown[], count: number): Reserved {
  const [ids, now] = row as [string | null, string];
  if (typeof ids !== 'string') throw new TributaryError('river_job.id has no sequence to draw ids from (pg_get_serial_sequence returned null)');
  const list = ids.split(',').map(Number).sort((a, b) => a - b);
  if (list.length !== count) throw new TributaryError(`reserved ${list.length} ids for ${count} jobs`);
  // Date parses milliseconds; the last three digits of the fraction are the microseconds.
  const nowMicros = Date.parse(now.slice(0, 23) + 'Z') * 1000 + Number(now.slice(23, 26));
  return { ids: list, now, nowMicros };
}

/** The state a row gets, decided as the statement path decides it on the server: `scheduled_at > now()`. */
export function copyState(row: JobInsertRow, nowMicros: number): JobState {
  if (row.pending) return 'pending';
  if (row.scheduled_at !== null && Date.parse(row.scheduled_at) * 1000 > nowMicros) return 'scheduled';
  return 'available';
}

// COPY's text format: a backslash starts an escape, tab ends a column, newline (or CR) a row.
const NEEDS_ESCAPE = /[\\\t\n\r]/;
const ESCAPES = /[\\\t\n\r]/g;
const ESCAPED: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value as one column of COPY's text format. NUL cannot be sent: no text or jsonb can hold it. */
export function copyText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(ESCAPES, (c) => ESCAPED[c]!) : value;
}

/**
 * The COPY data for `rows`, one line each in the columns' order, with the reserved ids in row
 * order and the states and times decided against `reserved.now`. Tags are written as a quoted
 * array literal (they hold only word characters and `-`, so the quotes only keep a tag named
 * `NULL` a tag).
 */
export function jobCopyData(rows: readonly JobInsertRow[], reserved: Reserved, states: readonly JobState[]): string {
  const now = reserved.now;
  let out = '';
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const tags = r.tags.length === 0 ? '{}' : `{"${r.tags.join('","')}"}`;
    out += `${reserved.ids[i]}\t${copyText(r.args)}\t${now}\t${copyText(r.kind)}\t${r.max_attempts}\t${copyText(r.metadata)}\t${r.priority}\t` +
      `${copyText(r.queue)}\t${r.scheduled_at ?? now}\t${states[i]}\t${copyText(tags)}\n`;
  }
  return out;
}
