/**
 * What the harness asks the database after (and during) a fault: job states, lost jobs,
 * duplicated effects, re-run delays. Every statement is a drizzle `sql` template, so values are
 * bound parameters.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type SQL } from 'drizzle-orm';
import type { NodePgDatabase } from 'drizzle-orm/node-postgres';

type Db = NodePgDatabase;

async function rows<T>(db: Db, query: SQL): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

const inQueues = (queues: readonly string[], column = sql`queue`) => sql`${column} IN (${sql.join(queues.map((q) => sql`${q}`), sql`, `)})`;

/**
 * Polls `check` every `intervalMs` until it holds, `timeoutMs` passes, or `signal` aborts. A check
 * that throws (the server is restarting) counts as not yet.
 * @returns ms waited until it held, or null if it never did.
 */
export async function waitFor(check: () => Promise<boolean>, options: { timeoutMs: number; intervalMs?: number; signal?: AbortSignal }): Promise<number | null> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) return Date.now() - started;
    if (Date.now() - started >= options.timeoutMs || options.signal?.aborted) return null;
    await sleep(options.intervalMs ?? 200);
  }
}

/** Jobs of `queues` by state. */
export async function jobsByState(db: Db, queues: readonly string[]): Promise<Record<string, number>> {
  const found = await rows<{ state: string; n: number }>(db, sql`SELECT state::text, count(*)::int AS n FROM river_job WHERE ${inQueues(queues)} GROUP BY state`);
  return Object.fromEntries(found.map((r) => [r.state, r.n]));
}

export async function countJobs(db: Db, queues: readonly string[], state?: string): Promise<number> {
  const where = state ? sql`${inQueues(queues)} AND state = ${state}::river_job_state` : inQueues(queues);
  return (await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM river_job WHERE ${where}`))[0]!.n;
}

/** Jobs of `queues` not completed. */
export async function notCompleted(db: Db, queues: readonly string[]): Promise<number> {
  return (await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM river_job WHERE ${inQueues(queues)} AND state <> 'completed'`))[0]!.n;
}

/** Waits until every job of `queues` is completed. @returns ms waited, or null at the deadline. */
export function drained(db: Db, queues: readonly string[], timeoutMs: number, signal?: AbortSignal): Promise<number | null> {
  return waitFor(async () => (await notCompleted(db, queues)) === 0, { timeoutMs, intervalMs: 500, signal });
}

/**
 * completeTx's promise, checked: `duplicated` jobs have more than one effect row (completed twice),
 * `missing` were completed with no effect row (completed outside the transaction).
 */
export async function effectCounts(db: Db, queues: readonly string[]): Promise<{ duplicated: number; missing: number }> {
  const [row] = await rows<{ duplicated: number; missing: number }>(db, sql`
    SELECT (SELECT count(*)::int FROM (SELECT job_id FROM chaos_effect GROUP BY job_id HAVING count(*) > 1) d) AS duplicated,
           (SELECT count(*)::int FROM river_job j WHERE ${inQueues(queues, sql`j.queue`)} AND j.state = 'completed'
              AND NOT EXISTS (SELECT 1 FROM chaos_effect e WHERE e.job_id = j.id)) AS missing`);
  return row!;
}

/** A SIGKILL the harness sent: `at` is Date.now() when it was sent. */
export interface Kill {
  pid: number;
  at: number;
}

/**
 * For each attempt a kill cut short, ms from the kill to the start of the job's next attempt. An
 * attempt was cut short when its process was killed after it started and the job either ran
 * again or never completed (its outcome was not stored before the kill); one never run again
 * is a lost job, counted as such, and has no delay here.
 */
export async function rerunDelays(db: Db, kills: readonly Kill[]): Promise<{ delays: number[]; neverRerun: number }> {
  if (kills.length === 0) return { delays: [], neverRerun: 0 };
  const found = await rows<{ delay_ms: number | null }>(db, sql`
    WITH k AS (SELECT * FROM jsonb_to_recordset(${JSON.stringify(kills)}::jsonb) AS k(pid int, at float8)),
    cut AS (
      SELECT a.job_id, a.attempt, k.at,
             (SELECT extract(epoch FROM min(b.started_at)) * 1000 FROM chaos_attempt b WHERE b.job_id = a.job_id AND b.attempt > a.attempt) AS next_at
      FROM chaos_attempt a JOIN k ON k.pid = a.pid
      WHERE extract(epoch FROM a.started_at) * 1000 <= k.at
    )
    SELECT (cut.next_at - cut.at)::float8 AS delay_ms
    FROM cut JOIN river_job j ON j.id = cut.job_id
    WHERE cut.next_at IS NOT NULL OR j.state <> 'completed'`);
  const delays = found.flatMap((r) => (r.delay_ms === null ? [] : [r.delay_ms]));
  return { delays, neverRerun: found.length - delays.length };
}

/** Attempts (of any job) that started after `since`, a Date.now() time. */
export async function attemptsStartedSince(db: Db, since: number): Promise<number> {
  const [row] = await rows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM chaos_attempt WHERE started_at > to_timestamp(${since / 1000})`);
  return row!.n;
}

/** A job that did not complete, with what tells why: whose it is, whether that client lives, whether its handler ran. */
export interface UnfinishedJob {
  id: number;
  queue: string;
  state: string;
  attempt: number;
  /** The client that fetched it last. */
  client: string | null;
  /** Seconds since that client's last heartbeat; null if it never wrote one. */
  heartbeatAgeS: number | null;
  clientStopped: boolean;
  /** Whether a handler started this attempt (a chaos_attempt row): if not, the fetch was lost on its way to the client. */
  handlerStarted: boolean;
}

/** Up to `limit` jobs of `queues` not completed, to say in the figures why they were lost. */
export async function unfinishedJobs(db: Db, queues: readonly string[], limit = 10): Promise<UnfinishedJob[]> {
  return rows<UnfinishedJob>(db, sql`
    SELECT j.id::int, j.queue, j.state::text, j.attempt::int, j.attempted_by[array_length(j.attempted_by, 1)] AS client,
           round(extract(epoch FROM now() - c.heartbeat_at))::int AS "heartbeatAgeS", c.stopped_at IS NOT NULL AS "clientStopped",
           EXISTS (SELECT 1 FROM chaos_attempt a WHERE a.job_id = j.id AND a.attempt = j.attempt) AS "handlerStarted"
    FROM river_job j LEFT JOIN tributary_client c ON c.id = j.attempted_by[array_length(j.attempted_by, 1)]
    WHERE ${inQueues(queues, sql`j.queue`)} AND j.state <> 'completed'
    ORDER BY j.id LIMIT ${limit}`);
}
