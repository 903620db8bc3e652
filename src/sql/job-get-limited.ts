import type { ConcurrencyLimit, RateLimit } from '../flow/limits-config.js';
import { arrayLiteral } from './array-literal.js';
import { ATTEMPTED_BY_MAX } from './job-get-available.js';
import { limitLockKey } from './job-get-limited-shared.js';
import { partitionKeySql } from './partition-key.js';
import { query, quoteIdent, raw, tableName, type Query, textLiteral } from './query.js';

/** Key of `river_queue.metadata` holding a rate-limited queue's recent starts: `{ partition: [ms, ...] }`. */
export const RATE_LOG_KEY = 'tributary:rate';

/**
 * Milliseconds added to a rate limit's window when counting starts. A start is the moment a job
 * is taken; its handler begins a little later, by a varying amount (a few ms, more on a busy
 * machine), so a window of exactly `period` between takes let 21 handler starts of a 20/s limit
 * fall in one second. The margin costs a rate of 20 per 1,000 ms 0.2 starts/s.
 */
export const RATE_WINDOW_MARGIN_MS = 10;

/**
 * Opens the exclusive limited fetch's transaction, one round trip: takes the queue's limit lock
 * exclusively (it waits for the shared fetches in flight, see `sharedLock`, and holds new ones
 * back) and locks the queue's `river_queue` row: the locks serialize the exclusive fetches of
 * one queue across all clients, so each one counts what the previous one took. Sent without
 * parameters so it can carry `BEGIN` with it. Returns no row when the queue has no `river_queue`
 * row (the queue cleaner removed it): see {@link queueLockInsert}.
 */
export function queueLock(p: { schema: string | undefined; queue: string }): string {
  const table = p.schema ? `${quoteIdent(p.schema)}.${quoteIdent('river_queue')}` : quoteIdent('river_queue');
  return `BEGIN; SELECT pg_advisory_xact_lock(${limitLockKey(p.schema, p.queue)}); SELECT paused_at IS NOT NULL AS paused FROM ${table} WHERE name = ${textLiteral(p.queue)} FOR UPDATE`;
}

/** Makes and locks the queue's row, inside the transaction {@link queueLock} opened. */
export function queueLockInsert(p: { schema: string | undefined; queue: string }): Query {
  return query`INSERT INTO ${tableName(p.schema, 'river_queue')} (name) VALUES (${p.queue})
ON CONFLICT (name) DO UPDATE SET updated_at = now()
RETURNING paused_at IS NOT NULL AS paused`;
}

export interface JobGetLimitedParams {
  schema: string | undefined;
  queue: string;
  clientId: string;
  /** At most this many jobs (the producer's free room). */
  limit: number;
  /** Available jobs looked at, in fetch order, after leaving out full partitions. */
  scanLimit: number;
  /** Jobs this client finished whose outcome is not written yet: still `running` rows, but not running. */
  finishedIds: readonly number[];
  concurrency: ConcurrencyLimit | undefined;
  rateLimit: RateLimit | undefined;
}

/**
 * The fetch of a limited queue, run while holding the queue's row lock (so in a statement of its
 * own, with a snapshot taken after the lock: one taken before it would miss what the previous
 * holder just took). Counts the queue's running jobs per concurrency partition (all clients',
 * and this client's own: the last entry of `attempted_by`), and the starts in the rate window per
 * rate partition (from `river_queue.metadata`); leaves out the partitions already full while
 * scanning, so a head of the queue full of one blocked partition does not stop the others; ranks
 * the rest within each partition and takes, in fetch order, those that fit every partition's
 * room. Each job's rank counts the jobs before it that another limit held back, so a job may wait
 * a fetch longer than it must, but a limit is never passed. The starts are appended to the rate
 * log, pruned to the period, in the same statement.
 *
 * Returns one row: `jobs`, a JSON array of the rows taken, `running`, the running jobs counted
 * (of every partition), `held_back`, whether the limits kept available jobs from a fetch that
 * had room for them, and `rate_wait_ms`, when a rate partition is full, the ms until its
 * oldest start leaves the window.
 */
export function jobGetLimited(p: JobGetLimitedParams): Query {
  const job = tableName(p.schema, 'river_job');
  const queueTable = tableName(p.schema, 'river_queue');
  const ckey = partitionKeySql(p.concurrency?.partition, 'j');
  const rkey = partitionKeySql(p.rateLimit?.partition, 'j');
  const global = p.concurrency?.globalLimit ?? null;
  const local = p.concurrency?.localLimit ?? null;
  const rate = p.rateLimit?.limit ?? null;
  const period = p.rateLimit?.period ?? null;
  const rateKey = raw(`'${RATE_LOG_KEY}'`);
  return query`WITH clock AS MATERIALIZED (
  SELECT clock_timestamp() AS at, extract(epoch FROM clock_timestamp()) * 1000 AS ms
),
running AS MATERIALIZED (
  SELECT ${ckey} AS ckey, count(*) AS n_all,
    count(*) FILTER (WHERE j.attempted_by[cardinality(j.attempted_by)] = ${p.clientId}::text) AS n_mine
  FROM ${job} AS j
  WHERE j.state = 'running' AND j.queue = ${p.queue} AND NOT (j.id = ANY (${arrayLiteral(p.finishedIds)}::bigint[]))
  GROUP BY 1
),
log AS MATERIALIZED (
  SELECT e.key AS rkey, t.v::float8 AS ms
  FROM ${queueTable} AS q, jsonb_each(coalesce(q.metadata -> ${rateKey}, '{}')) AS e, jsonb_array_elements_text(e.value) AS t(v), clock
  WHERE q.name = ${p.queue} AND ${period}::float8 IS NOT NULL AND t.v::float8 > clock.ms - ${period}::float8 - ${RATE_WINDOW_MARGIN_MS}::float8
),
started AS MATERIALIZED (SELECT rkey, count(*) AS n FROM log GROUP BY rkey),
candidates AS (
  SELECT j.id, j.priority, j.scheduled_at, ${ckey} AS ckey, ${rkey} AS rkey
  FROM ${job} AS j
  WHERE j.state = 'available' AND j.queue = ${p.queue} AND j.scheduled_at <= now()
    AND ${ckey} NOT IN (SELECT ckey FROM running WHERE n_all >= ${global}::int OR n_mine >= ${local}::int)
    AND ${rkey} NOT IN (SELECT rkey FROM started WHERE n >= ${rate}::int)
  ORDER BY j.priority, j.scheduled_at, j.id
  LIMIT ${p.scanLimit}
),
ranked AS (
  SELECT c.*,
    row_number() OVER (PARTITION BY c.ckey ORDER BY c.priority, c.scheduled_at, c.id) AS crank,
    row_number() OVER (PARTITION BY c.rkey ORDER BY c.priority, c.scheduled_at, c.id) AS rrank
  FROM candidates AS c
),
picked AS (
  SELECT r.id, r.rkey FROM ranked AS r
  LEFT JOIN running AS u ON u.ckey = r.ckey
  LEFT JOIN started AS s ON s.rkey = r.rkey
  WHERE r.crank <= coalesce(least(${global}::int - coalesce(u.n_all, 0), ${local}::int - coalesce(u.n_mine, 0)), r.crank)
    AND r.rrank <= coalesce(${rate}::int - coalesce(s.n, 0), r.rrank)
  ORDER BY r.priority, r.scheduled_at, r.id
  LIMIT ${p.limit}
),
taken AS (
  UPDATE ${job} AS j SET
    state = 'running',
    attempt = j.attempt + 1,
    attempted_at = (SELECT at FROM clock),
    attempted_by = (array_append(coalesce(j.attempted_by, '{}'), ${p.clientId}::text))
      [greatest(cardinality(coalesce(j.attempted_by, '{}')) + 2 - ${ATTEMPTED_BY_MAX}::int, 1):]
  FROM picked AS p
  -- Still available: a client without this limit (or River) may have taken it meanwhile.
  WHERE j.id = p.id AND j.state = 'available'
  RETURNING j.*, p.rkey AS tributary_rkey
),
new_log AS (
  SELECT rkey, ms FROM log
  UNION ALL
  SELECT t.tributary_rkey, clock.ms FROM taken AS t, clock WHERE ${rate}::int IS NOT NULL
),
log_write AS (
  UPDATE ${queueTable} AS q
  SET metadata = jsonb_set(q.metadata, ${`{${RATE_LOG_KEY}}`}::text[],
    (SELECT coalesce(jsonb_object_agg(k.rkey, k.starts), '{}') FROM (SELECT rkey, jsonb_agg(ms ORDER BY ms) AS starts FROM new_log GROUP BY rkey) AS k))
  WHERE q.name = ${p.queue} AND ${rate}::int IS NOT NULL AND EXISTS (SELECT 1 FROM taken)
)
SELECT
  (SELECT coalesce(json_agg(row_to_json(t)), '[]')::text FROM taken AS t) AS jobs,
  (SELECT coalesce(sum(n_all), 0)::int FROM running) AS running,
  (SELECT count(*) FROM taken) < ${p.limit}::int AND EXISTS (SELECT FROM ${job} AS a
    WHERE a.state = 'available' AND a.queue = ${p.queue} AND a.scheduled_at <= now() AND NOT (a.id = ANY (ARRAY(SELECT id FROM picked)))) AS held_back,
  (SELECT min(k.oldest) + ${period}::float8 + ${RATE_WINDOW_MARGIN_MS}::float8 - (SELECT ms FROM clock)
    FROM (SELECT rkey, min(ms) AS oldest, count(*) AS n FROM new_log GROUP BY rkey) AS k
    WHERE k.n >= ${rate}::int) AS rate_wait_ms`;
}
