import { query, tableName, type Query } from './query.js';

/**
 * Records that client `id` is alive now. On `starting`, (re)registers it: a client restarted
 * under the same id starts afresh.
 */
export function clientHeartbeat(p: { schema: string | undefined; id: string; hostname: string; pid: number; starting: boolean }): Query {
  return query`INSERT INTO ${tableName(p.schema, 'tributary_client')} AS c (id, hostname, pid)
VALUES (${p.id}, ${p.hostname}, ${p.pid})
ON CONFLICT (id) DO UPDATE SET
  heartbeat_at = now(),
  stopped_at = NULL,
  hostname = excluded.hostname,
  pid = excluded.pid,
  started_at = CASE WHEN ${p.starting}::boolean THEN now() ELSE c.started_at END`;
}

/** Records a clean stop: none of the client's jobs is running any more. */
export function clientStopped(p: { schema: string | undefined; id: string }): Query {
  return query`UPDATE ${tableName(p.schema, 'tributary_client')} SET stopped_at = now() WHERE id = ${p.id}`;
}

/** Forgets clients stopped or silent for longer than `retentionMs`. */
export function clientDeleteStale(p: { schema: string | undefined; now: Date | null; retentionMs: number }): Query {
  return query`DELETE FROM ${tableName(p.schema, 'tributary_client')}
WHERE coalesce(stopped_at, heartbeat_at) < coalesce(${p.now}::timestamptz, now()) - make_interval(secs => ${p.retentionMs}::float8 / 1000)`;
}
