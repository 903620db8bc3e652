import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import copyStreams from 'pg-copy-streams';
import { isTransaction, type DrizzleHandle } from '../drizzle-handle.js';
import type { Query } from '../sql/query.js';

/** Rows as arrays, one element per column, in the select list's order. */
export type Rows = unknown[][];

/** A connection Tributary talks to directly, below Drizzle, inside one transaction. */
export interface Connection {
  /** Runs `q`, as the prepared statement `name` where the driver prepares statements. */
  query(q: Query, name: string): Promise<Rows>;
  /** Runs `statement` (`COPY ... FROM STDIN`) and streams `data` into it. */
  copyFrom(statement: string, data: string): Promise<void>;
}

/**
 * The driver beneath a Drizzle handle, reached directly to prepare statements and to COPY:
 * Drizzle's `execute` does neither. Found only for node-postgres (statements and COPY) and
 * postgres.js (statements) whose internals look as expected (drizzle-orm 0.44 and 0.45);
 * anything else gets no `Direct`, and inserts go through `execute` as before.
 */
export interface Direct {
  /** Runs one statement: in the caller's transaction for a `tx`, on any connection for a `db`. */
  query(q: Query, name: string): Promise<Rows>;
  /**
   * A connection to COPY on, in a transaction: the caller's for a `tx`, one of its own, begun on
   * one connection of the pool, for a `db`. Undefined when the connection cannot COPY.
   */
  openCopy(): Promise<CopySession | undefined>;
}

/** A transaction to COPY in. Exactly one of `commit` and `rollback` must be called. */
export interface CopySession {
  connection: Connection;
  /** Settles once the transaction has begun; rejects if it could not. */
  begun: Promise<void>;
  /** Commits a transaction of its own; nothing for the caller's. */
  commit(): Promise<void>;
  /** Rolls back a transaction of its own; nothing for the caller's, whose failed statement already aborted it. */
  rollback(): Promise<void>;
}

/** Drizzle's class tag (`static [entityKind]`), which names the driver's session class. */
const ENTITY_KIND = Symbol.for('drizzle:entityKind');

type Loose = Record<string | symbol, any> | null | undefined;

/** Drizzle's `logger` option: statements sent directly are logged to it as Drizzle would. */
type Log = (text: string, values: unknown[]) => void;

function sessionOf(handle: DrizzleHandle): { kind: unknown; client: Loose; log: Log } {
  const session = (handle as { session?: Loose }).session;
  const logger = session?.logger as Loose;
  const log: Log = typeof logger?.logQuery === 'function' ? (text, values) => logger.logQuery(text, values) : () => {};
  return { kind: (session?.constructor as Loose)?.[ENTITY_KIND], client: session?.client as Loose, log };
}

/** The driver beneath `handle`, or undefined when it is not one Tributary knows how to reach. */
export function directConnection(handle: DrizzleHandle): Direct | undefined {
  const { kind, client, log } = sessionOf(handle);
  if (kind === 'NodePgSession') return nodePostgres(client, isTransaction(handle), log);
  if (kind === 'PostgresJsSession') return postgresJs(client, log);
  return undefined;
}

// node-postgres ---------------------------------------------------------------------------

/** A pg.Client (or the PoolClient a transaction holds); COPY also needs its socket, which pg-native lacks. */
const isPgClient = (client: Loose): boolean => typeof client?.query === 'function' && typeof client.connect === 'function' && 'connection' in client!;
const canCopy = (client: Loose): boolean => typeof client?.connection?.stream?.write === 'function';
// Drizzle's own test for a pool, so Tributary checks out a connection exactly where Drizzle would.
const isPgPool = (client: Loose): boolean =>
  typeof client?.connect === 'function' && typeof client.query === 'function' && String(Object.getPrototypeOf(client)?.constructor?.name).includes('Pool');

function pgQuery(client: Loose, q: Query, name: string, log: Log): Promise<Rows> {
  log(q.text, q.values);
  return client!.query({ name, text: q.text, values: q.values, rowMode: 'array' }).then((result: { rows: Rows }) => result.rows);
}

function pgConnection(client: Loose, log: Log): Connection {
  return {
    query: (q, name) => pgQuery(client, q, name, log),
    async copyFrom(statement, data) {
      log(statement, []);
      const stream: Writable = client!.query(copyStreams.from(statement));
      stream.end(data);
      await finished(stream);
    },
  };
}

function nodePostgres(client: Loose, inTransaction: boolean, log: Log): Direct | undefined {
  if (inTransaction || !isPgPool(client)) {
    if (!isPgClient(client)) return undefined;
    return {
      query: (q, name) => pgQuery(client, q, name, log),
      // A db on one pg.Client may already be in a transaction its owner began with BEGIN: one
      // of Tributary's own would commit it. Only a tx, whose transaction is the caller's, COPYs.
      openCopy: async () => (inTransaction && canCopy(client) ? { connection: pgConnection(client, log), begun: Promise.resolve(), commit: nothing, rollback: nothing } : undefined),
    };
  }
  return {
    query: (q, name) => pgQuery(client, q, name, log),
    openCopy: () => pgTransaction(client, log),
  };
}

const nothing = async () => {};

/**
 * A transaction of Tributary's own on a connection checked out of `pool`, given back at its end.
 * Resolves as soon as BEGIN is sent.
 */
async function pgTransaction(pool: Loose, log: Log): Promise<CopySession | undefined> {
  const connection: Loose = await pool!.connect();
  if (!canCopy(connection)) {
    connection!.release();
    return undefined;
  }
  let ended = false; // a failed COMMIT has given the connection back: the ROLLBACK after it must not
  const end = async (statement: 'COMMIT' | 'ROLLBACK') => {
    if (ended) return;
    ended = true;
    let broken: unknown;
    try {
      log(statement.toLowerCase(), []);
      await connection!.query(statement);
    } catch (error) {
      broken = error;
      throw error;
    } finally {
      // A connection that could not end its transaction is not given back to the pool.
      connection!.release(broken === undefined ? undefined : broken instanceof Error ? broken : true);
    }
  };
  // Sent now, awaited by the caller when it needs the transaction: meanwhile it validates.
  log('begin', []);
  const begun: Promise<void> = connection!.query('BEGIN').then(
    () => {},
    (error: unknown) => {
      ended = true;
      connection!.release(error instanceof Error ? error : true);
      throw error;
    },
  );
  begun.catch(() => {}); // the caller sees it through `begun`
  // Rolling back a transaction that never began has nothing to undo: BEGIN's failure gave the connection back.
  const rollback = () => begun.then(() => end('ROLLBACK'), () => {}).catch(() => {});
  return { connection: pgConnection(connection, log), begun, commit: () => end('COMMIT'), rollback };
}

// postgres.js -----------------------------------------------------------------------------

type Sql = { unsafe(text: string, values?: unknown[], options?: { prepare?: boolean }): { values(): PromiseLike<Rows> } };

/**
 * postgres.js gets the prepared statement but no COPY. Its COPY (`.writable()`) writes the data
 * and the end of the copy to the socket separately, and its sockets keep Nagle's algorithm on:
 * the end waits for the server's delayed ACK, 40 ms or more (measured: 88 ms for a COPY of 1
 * to 100 rows, 56 ms for 1,000, against 25 ms for the statement). And a COPY the server rejects
 * after the data never settles, leaving the connection in an aborted transaction
 * (porsager/postgres#1173, open in 3.4.9).
 */
function postgresJs(sql: Loose, log: Log): Direct | undefined {
  if (typeof sql?.unsafe !== 'function') return undefined;
  const s = sql as Sql;
  return {
    // postgres.js names and caches the statement itself; `prepare: false` on the connection (for
    // PgBouncer in transaction mode) still wins over this.
    query: async (q) => {
      log(q.text, q.values);
      return (await s.unsafe(q.text, q.values, { prepare: true }).values()) as Rows;
    },
    openCopy: async () => undefined,
  };
}
