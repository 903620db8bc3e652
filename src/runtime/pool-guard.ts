import type { PgPool, PgPoolClient } from '../sql/pg-pool.js';

interface Guard {
  readonly sinks: Set<(error: Error) => void>;
  readonly guarded: WeakSet<object>;
}

const guards = new WeakMap<object, Guard>();

/** The connections a node-postgres pool holds now (internal to pg-pool, so read defensively). */
function openConnections(pool: PgPool): PgPoolClient[] {
  const clients = (pool as { _clients?: unknown })._clients;
  return Array.isArray(clients) ? (clients as PgPoolClient[]) : [];
}

/**
 * Gives a dead connection that is checked out back to the pool, destroyed. Whoever holds it may
 * never release it: drizzle-orm's node-postgres `transaction()` checks a connection out and
 * releases it only once its BEGIN succeeded, so each transaction begun on a connection that had
 * just died kept it forever. The pool shrank until nothing could run, and `pool.end()` hung.
 * The holder's own `release()` becomes a no-op, and its queries still fail as before.
 */
function reclaim(connection: PgPoolClient, error: Error | undefined): void {
  const release = connection.release.bind(connection);
  connection.release = () => {};
  release(error ?? true);
}

/**
 * Hears the `error` events of every connection of `pool`, idle or checked out, and passes them
 * to `sink`; returns a function that stops passing them. pg-pool listens only to its idle
 * connections: one checked out (by `db.transaction`, say, in a worker calling completeTx) that
 * loses its server emits an `error` nobody hears, and Node ends the process for it. The failed
 * query still rejects; the dead connection is taken back from its holder (see {@link reclaim}).
 *
 * A pool is guarded once however many clients share it; each client's sink hears every error.
 * Once no sink is left, errors are still heard, and dropped: a database fault never ends the
 * process.
 */
export function guardPool(pool: PgPool, sink: (error: Error) => void): () => void {
  let guard = guards.get(pool);
  if (!guard) {
    const sinks = new Set<(error: Error) => void>();
    const guarded = new WeakSet<object>();
    // Known through pg-pool's public acquire and release events.
    const checkedOut = new WeakSet<object>();
    guard = { sinks, guarded };
    guards.set(pool, guard);
    const report = (error: Error | undefined) => {
      const reported = error instanceof Error ? error : new Error(`connection error: ${String(error)}`);
      for (const s of sinks) s(reported);
    };
    const protect = (connection: PgPoolClient) => {
      if (guarded.has(connection)) return;
      guarded.add(connection);
      connection.on('error', (error?: Error) => {
        report(error);
        if (!checkedOut.has(connection)) return;
        checkedOut.delete(connection);
        reclaim(connection, error);
      });
    };
    pool.on?.('connect', protect);
    pool.on?.('acquire', (connection: object) => void checkedOut.add(connection));
    pool.on?.('release', (_error: unknown, connection: object) => void checkedOut.delete(connection));
    // The pool's own event for its idle connections, which without a listener would end the
    // process; the connection's listener above has reported it already.
    pool.on?.('error', (error: Error, connection?: object) => {
      if (!connection || !guarded.has(connection)) report(error);
    });
    for (const connection of openConnections(pool)) protect(connection);
  }
  guard.sinks.add(sink);
  const sinks = guard.sinks;
  return () => void sinks.delete(sink);
}
