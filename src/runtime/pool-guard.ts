import type { PgPool, PgPoolClient } from '../client-config.js';

type ErrorSink = (error?: Error) => void;

interface Guard {
  readonly sinks: Set<(error: Error) => void>;
  readonly guarded: WeakSet<object>;
  readonly listener: ErrorSink;
}

const guards = new WeakMap<object, Guard>();

/** The connections a node-postgres pool holds now (internal to pg-pool, so read defensively). */
function openConnections(pool: PgPool): PgPoolClient[] {
  const clients = (pool as { _clients?: unknown })._clients;
  return Array.isArray(clients) ? (clients as PgPoolClient[]) : [];
}

/**
 * Hears the `error` events of every connection of `pool`, idle or checked out, and passes them
 * to `sink`; returns a function that stops passing them. pg-pool listens only to its idle
 * connections: one checked out (by `db.transaction`, say, in a worker calling completeTx) that
 * loses its server emits an `error` nobody hears, and Node ends the process for it. The failed
 * query still rejects, and pg-pool drops the broken connection when it is released.
 *
 * A pool is guarded once however many clients share it; each client's sink hears every error.
 * Once no sink is left, errors are still heard, and dropped: a database fault never ends the
 * process.
 */
export function guardPool(pool: PgPool, sink: (error: Error) => void): () => void {
  let guard = guards.get(pool);
  if (!guard) {
    const sinks = new Set<(error: Error) => void>();
    const listener: ErrorSink = (error) => {
      const reported = error instanceof Error ? error : new Error(`connection error: ${String(error)}`);
      for (const s of sinks) s(reported);
    };
    guard = { sinks, guarded: new WeakSet(), listener };
    guards.set(pool, guard);
    const g = guard;
    const protect = (connection: PgPoolClient) => {
      if (g.guarded.has(connection)) return;
      g.guarded.add(connection);
      connection.on('error', listener);
    };
    pool.on?.('connect', protect);
    // The pool's own event for its idle connections, which without a listener would end the process.
    // An idle connection's error reaches both; report it once.
    pool.on?.('error', (error: Error, connection?: object) => {
      if (!connection || !g.guarded.has(connection)) listener(error);
    });
    for (const connection of openConnections(pool)) protect(connection);
  }
  guard.sinks.add(sink);
  const sinks = guard.sinks;
  return () => void sinks.delete(sink);
}
