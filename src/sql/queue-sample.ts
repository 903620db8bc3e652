import { query, tableName, type Query } from './query.js';

/** Jobs one client finished in one queue and minute, to add to that minute's sample. */
export interface QueueSampleCounts {
  queue: string;
  /** The minute, truncated. */
  at: Date;
  completed: number;
  failed: number;
  discarded: number;
}

/**
 * Adds one client's counts to the samples of their queue and minute, creating the rows. Several
 * clients add to the same row; each statement is one short upsert, whatever the throughput.
 */
export function queueSampleAddCounts(p: { schema: string | undefined; counts: readonly QueueSampleCounts[] }): Query {
  const sample = tableName(p.schema, 'tributary_queue_sample');
  const c = p.counts;
  // Sorted, so that two clients adding to the same rows lock them in one order and never deadlock.
  const sorted = [...c].sort((a, b) => (a.queue < b.queue ? -1 : a.queue > b.queue ? 1 : a.at.getTime() - b.at.getTime()));
  return query`INSERT INTO ${sample} AS s (queue, at, completed, failed, discarded)
SELECT * FROM unnest(${sorted.map((x) => x.queue)}::text[], ${sorted.map((x) => x.at.toISOString())}::timestamptz[],
  ${sorted.map((x) => x.completed)}::int[], ${sorted.map((x) => x.failed)}::int[], ${sorted.map((x) => x.discarded)}::int[])
ON CONFLICT (queue, at) DO UPDATE SET
  completed = s.completed + excluded.completed, failed = s.failed + excluded.failed, discarded = s.discarded + excluded.discarded`;
}

/**
 * Writes every queue's depth (available, scheduled, running, retryable jobs) into the sample of
 * the current minute: queues with waiting jobs, and the `river_queue` queues with none as zeros.
 * It counts only the waiting states, a range of the (state, queue, ...) fetching index each, so
 * a table of millions of finished jobs costs it nothing. Returns `queues`, how many it wrote.
 */
export function queueSampleDepth(p: { schema: string | undefined; now: Date | null }): Query {
  const sample = tableName(p.schema, 'tributary_queue_sample');
  const job = tableName(p.schema, 'river_job');
  const queue = tableName(p.schema, 'river_queue');
  return query`WITH depth AS (
  SELECT queue,
    count(*) FILTER (WHERE state = 'available') AS available,
    count(*) FILTER (WHERE state = 'scheduled') AS scheduled,
    count(*) FILTER (WHERE state = 'running') AS running,
    count(*) FILTER (WHERE state = 'retryable') AS retryable
  FROM ${job} WHERE state IN ('available', 'scheduled', 'running', 'retryable')
  GROUP BY queue
),
written AS (
  INSERT INTO ${sample} AS s (queue, at, available, scheduled, running, retryable)
  SELECT name, date_trunc('minute', coalesce(${p.now}::timestamptz, now())), coalesce(d.available, 0), coalesce(d.scheduled, 0), coalesce(d.running, 0), coalesce(d.retryable, 0)
  FROM (SELECT queue AS name FROM depth UNION SELECT name FROM ${queue}) AS q LEFT JOIN depth AS d ON d.queue = q.name
  ORDER BY name
  ON CONFLICT (queue, at) DO UPDATE SET available = excluded.available, scheduled = excluded.scheduled, running = excluded.running, retryable = excluded.retryable
  RETURNING 1
)
SELECT count(*)::int AS queues FROM written`;
}

/** Deletes the samples older than `retentionMs`. Returns `deleted`, how many went. */
export function queueSamplePrune(p: { schema: string | undefined; now: Date | null; retentionMs: number }): Query {
  const sample = tableName(p.schema, 'tributary_queue_sample');
  return query`WITH deleted AS (
  DELETE FROM ${sample} WHERE at < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.retentionMs}::float8 / 1000) RETURNING 1
)
SELECT count(*)::int AS deleted FROM deleted`;
}

/**
 * One row per minute of the last `minutes` (the current one last), summed over every queue or
 * for one: the jobs completed, failed and discarded (0 when none were counted) and the depth
 * (null for a minute never sampled). Times are epoch seconds, as charts take them.
 */
export function queueSampleSeries(p: { schema: string | undefined; minutes: number; queue: string | undefined }): Query {
  const sample = tableName(p.schema, 'tributary_queue_sample');
  return query`WITH minutes AS (
  SELECT generate_series(date_trunc('minute', now()) - make_interval(mins => ${p.minutes}::int - 1), date_trunc('minute', now()), interval '1 minute') AS at
),
sums AS (
  SELECT at, sum(completed) AS completed, sum(failed) AS failed, sum(discarded) AS discarded,
    sum(available) AS available, sum(scheduled) AS scheduled, sum(running) AS running, sum(retryable) AS retryable
  FROM ${sample}
  WHERE at >= date_trunc('minute', now()) - make_interval(mins => ${p.minutes}::int - 1) AND (${p.queue ?? null}::text IS NULL OR queue = ${p.queue ?? null}::text)
  GROUP BY at
)
SELECT extract(epoch FROM m.at)::int AS at, coalesce(s.completed, 0)::int AS completed, coalesce(s.failed, 0)::int AS failed, coalesce(s.discarded, 0)::int AS discarded,
  s.available::int AS available, s.scheduled::int AS scheduled, s.running::int AS running, s.retryable::int AS retryable
FROM minutes AS m LEFT JOIN sums AS s ON s.at = m.at
ORDER BY m.at`;
}

/** The queues with samples in the last `minutes`, by name. */
export function queueSampleQueues(p: { schema: string | undefined; minutes: number }): Query {
  const sample = tableName(p.schema, 'tributary_queue_sample');
  return query`SELECT DISTINCT queue FROM ${sample} WHERE at >= date_trunc('minute', now()) - make_interval(mins => ${p.minutes}::int - 1) ORDER BY queue`;
}
