import { arrayLiteral } from './array-literal.js';
import { takenSet } from './job-get-available.js';
import { query, tableName, type Query, textLiteral } from './query.js';

/**
 * Shared limited fetches of one queue that may run at once (the tickets). Each may miss what
 * the others are taking, so each leaves room for them: see {@link sharedShare}.
 */
export const SHARED_TICKETS = 4;

/**
 * The most jobs one shared fetch may take under a global limit of `limit`: an eighth of it, so
 * that the room the other {@link SHARED_TICKETS} - 1 fetches may be taking unseen is under half
 * the limit. 0 (never shared) below a limit of 8.
 */
export const sharedShare = (limit: number): number => Math.floor(limit / (2 * SHARED_TICKETS));

/** Room a shared fetch sees under `limit` with `running` counted: what it leaves for the others' unseen shares taken off. */
export const sharedRoom = (limit: number, running: number): number => limit - running - (SHARED_TICKETS - 1) * sharedShare(limit);


/**
 * The SQL of the advisory lock key of a queue's limited fetches, or with `ticket` (an SQL
 * expression of the ticket's number) of one of its tickets.
 */
export function limitLockKey(schema: string | undefined, queue: string, ticket?: string): string {
  const prefix = schema === undefined ? 'current_schema()' : textLiteral(schema);
  const name = ticket === undefined ? textLiteral(`.tributary_limit.${queue}`) : `${textLiteral(`.tributary_limit_ticket.${queue}.`)} || ${ticket}`;
  return `hashtextextended(${prefix} || ${name}, 0)`;
}

/**
 * The SQL that takes the queue's limit lock in shared mode (an exclusive fetch, which counts
 * exactly, waits for the shared ones to end and holds new ones back), then one of the
 * {@link SHARED_TICKETS} tickets: the first free one, or when all are taken, waits for one
 * chosen at random. Sent as statements of their own before {@link jobGetLimitedShared}.
 */
export function sharedLock(p: { schema: string | undefined; queue: string }): string {
  const ticket = (i: string) => limitLockKey(p.schema, p.queue, i);
  // LIMIT 1 stops at the first ticket taken; the wait runs only for the row WHERE lets through.
  return `SELECT pg_advisory_xact_lock_shared(${limitLockKey(p.schema, p.queue)});
SELECT pg_advisory_xact_lock(${ticket('w.i')}) FROM (
  SELECT floor(random() * ${SHARED_TICKETS})::int AS i
  WHERE NOT EXISTS (SELECT FROM generate_series(0, ${SHARED_TICKETS - 1}) AS t(i) WHERE pg_try_advisory_xact_lock(${ticket('t.i')}))
) AS w`;
}

export interface JobGetLimitedSharedParams {
  schema: string | undefined;
  queue: string;
  clientId: string;
  /** At most this many jobs (the producer's free room). */
  limit: number;
  globalLimit: number;
  /** Jobs this client finished whose outcome is not written yet: still `running` rows, but not running. */
  finishedIds: readonly number[];
}

/**
 * A shared limited fetch, for a queue with only a global limit, unpartitioned: run after
 * {@link sharedLock}, in a statement of its own so that its snapshot sees every fetch that
 * committed before the locks were taken. Takes nothing while the queue is paused. Counts the queue's running jobs (`n`) and takes, with
 * SKIP LOCKED as an unlimited fetch does, at most `least(limit, share, globalLimit - n -
 * (tickets - 1) * share)` jobs.
 *
 * Why that is exact: a fetch misses only the takes of fetches that held a ticket when its
 * snapshot was taken (any that committed before were seen), at most `tickets - 1` of them, each
 * taking at most `share`. Take the fetch that started last of any set that committed: what it
 * saw, plus what it took, plus what it could not see stays within the limit. Exclusive fetches
 * run alone (the lock), and see everything.
 *
 * Returns one row: `jobs` (a JSON array of the rows taken), `running` (the count it saw) and
 * `paused`.
 */
export function jobGetLimitedShared(p: JobGetLimitedSharedParams): Query {
  const job = tableName(p.schema, 'river_job');
  const queueTable = tableName(p.schema, 'river_queue');
  const share = sharedShare(p.globalLimit);
  // sharedRoom's formula, with the count made here: room = globalLimit - n - unseen.
  const unseen = p.globalLimit - sharedRoom(p.globalLimit, 0);
  return query`WITH running AS MATERIALIZED (
  SELECT count(*)::int AS n FROM ${job} AS j
  WHERE j.state = 'running' AND j.queue = ${p.queue} AND NOT (j.id = ANY (${arrayLiteral(p.finishedIds)}::bigint[]))
),
locked AS (
  SELECT id FROM ${job}
  WHERE state = 'available' AND queue = ${p.queue} AND scheduled_at <= now()
    AND NOT EXISTS (SELECT FROM ${queueTable} WHERE name = ${p.queue} AND paused_at IS NOT NULL)
  ORDER BY priority, scheduled_at, id
  LIMIT (SELECT greatest(0, least(${p.limit}::int, ${share}::int, ${p.globalLimit}::int - ${unseen}::int - n)) FROM running)
  FOR UPDATE SKIP LOCKED
),
taken AS (
  UPDATE ${job} AS j SET ${takenSet(p.clientId)}
  WHERE j.id = ANY (ARRAY(SELECT id FROM locked))
  RETURNING j.*
)
SELECT (SELECT coalesce(json_agg(row_to_json(t)), '[]')::text FROM taken AS t) AS jobs, (SELECT n FROM running) AS running,
  coalesce((SELECT paused_at IS NOT NULL FROM ${queueTable} WHERE name = ${p.queue}), false) AS paused`;
}
