import type { LimitPartition } from '../flow/limits-config.js';
import { takenSet } from './job-get-available.js';
import { partitionKeySql } from './partition-key.js';
import { query, raw, rawText, tableName, textLiteral, type Query } from './query.js';
import { idAnnouncingWaiters } from './waiter-notify.js';

export interface JobHandOverParams {
  schema: string | undefined;
  queue: string;
  clientId: string;
  /** The concurrency limit's partition, when it has one. */
  partition: LimitPartition | undefined;
  /** The job that completed here, still running that attempt. */
  id: number;
  attempt: number;
  finalizedAt: string;
  /** Available jobs of the queue looked at, in fetch order, for one of the partition. */
  scanLimit: number;
}

/**
 * A limited slot handed over: in one statement, the job that completed here is stored completed
 * and the next available job of its partition (in fetch order, among the first `scanLimit` of
 * the queue) is taken for this client. One running row of the partition leaves and one enters
 * in the same commit, so every count any client makes stays what it was, without the queue's lock; nothing is taken when the job was no longer running
 * that attempt (its slot was freed already). Rows someone waits for are announced.
 *
 * Returns one row: `done` (1 when the completion was written) and `jobs` (a JSON array of the
 * row taken, or empty).
 */
export function jobHandOver(p: JobHandOverParams): Query {
  const job = tableName(p.schema, 'river_job');
  // The queue as a literal (a validated name): the scope is text of its own, written twice.
  const queue = textLiteral(p.queue);
  // Nothing is taken unless the completion was written: its row held the slot.
  const available = `j.state = 'available' AND j.queue = ${queue} AND j.scheduled_at <= now() AND EXISTS (SELECT FROM done)`;
  // Unpartitioned, the first available job: one probe of the fetching index. Partitioned, the
  // first of the partition among the queue's first `scanLimit`, so the scan stays bounded.
  const scope = raw(p.partition === undefined ? available : `j.id IN (
      SELECT c.id FROM ${rawText(job)} AS c
      WHERE c.state = 'available' AND c.queue = ${queue} AND c.scheduled_at <= now()
      ORDER BY c.priority, c.scheduled_at, c.id
      LIMIT ${Math.trunc(p.scanLimit)}
    )
    AND ${available} AND ${rawText(partitionKeySql(p.partition, 'j'))} = (SELECT ckey FROM done)`);
  return query`WITH done AS (
  UPDATE ${job} AS j SET state = 'completed', finalized_at = ${p.finalizedAt}::timestamptz
  WHERE j.id = ${p.id}::bigint AND j.state = 'running' AND j.attempt = ${p.attempt}::smallint
  RETURNING ${raw(idAnnouncingWaiters('j', p.schema))} AS id, ${partitionKeySql(p.partition, 'j')} AS ckey
),
next AS (
  SELECT j.id FROM ${job} AS j
  WHERE ${scope}
  ORDER BY j.priority, j.scheduled_at, j.id
  LIMIT 1
  FOR UPDATE SKIP LOCKED
),
taken AS (
  UPDATE ${job} AS j SET ${takenSet(p.clientId)}
  FROM next WHERE j.id = next.id
  RETURNING j.*
)
SELECT (SELECT count(*)::int FROM done) AS done, (SELECT coalesce(json_agg(row_to_json(t)), '[]')::text FROM taken AS t) AS jobs`;
}
