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
 * Drizzle's `execute` does neither. Found only for node-postgres and postgres.js whose internals
 * look as expected (drizzle-orm 0.44 and 0.45); anything else gets no `Direct`, and inserts go
 * through `execute` as before.
 */
export interface Direct {
  /** Runs one statement: in the caller's transaction for a `tx`, on any connection for a `db`. */
  query(q: Query, name: string): Promise<Rows>;
  /**
   * Runs `work` so that everything it does commits or rolls back as one: in the caller's
   * transaction for a `tx`, in a transaction of its own on one connection for a `db`. Resolves to
   * undefined, without running `work`, when the connection cannot COPY.
   */
  withCopy<T>(work: (connection: Connection) => Promise<T>): Promise<T | undefined>;
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
  if (kind === 'PostgresJsSession') return postgresJs(client, isTransaction(handle), log);
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
      withCopy: async (work) => (inTransaction && canCopy(client) ? work(pgConnection(client, log)) : undefined),
    };
  }
  return {
    query: (q, name) => pgQuery(client, q, name, log),
    async withCopy(work) {
      const connection: Loose = await client!.connect();
      if (!canCopy(connection)) {
        connection!.release();
        return undefined;
      }
      let broken: unknown;
      try {
        log('begin', []);
        await connection!.query('BEGIN');
        const result = await work(pgConnection(connection, log));
        log('commit', []);
        await connection!.query('COMMIT');
        return result;
      } catch (error) {
        // A connection that cannot even roll back is not given back to the pool.
        log('rollback', []);
        await connection!.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError));
        throw error;
      } finally {
        connection!.release(broken instanceof Error ? broken : broken !== undefined);
      }
    },
  };
}

// postgres.js -----------------------------------------------------------------------------

/** A postgres.js query, which runs only once awaited. */
interface PostgresJsQuery extends PromiseLike<unknown> {
  values(): PromiseLike<Rows>;
  writable(): Promise<Writable>;
  reject(error: unknown): void;
}

type Sql = { unsafe(text: string, values?: unknown[], options?: { prepare?: boolean }): PostgresJsQuery; begin?: unknown };

/**
 * Whether a COPY can be run and its failure seen. postgres.js 3.4 never settles the writable when
 * the server rejects the data after the last chunk (porsager/postgres#1173): the error reaches
 * only the query's own `reject`, already spent on resolving the writable. Tributary catches it
 * there, so it needs that method. Queries run only when awaited, so this probe runs nothing.
 */
function postgresJsCanCopy(sql: Sql): boolean {
  const probe = sql.unsafe('') as Partial<PostgresJsQuery>;
  return typeof probe.writable === 'function' && typeof probe.reject === 'function';
}

function postgresJsConnection(sql: Sql, log: Log): Connection {
  return {
    // postgres.js names and caches the statement itself; `prepare: false` on the connection (for
    // PgBouncer in transaction mode) still wins over this.
    query: async (q) => {
      log(q.text, q.values);
      return (await sql.unsafe(q.text, q.values, { prepare: true }).values()) as Rows;
    },
    async copyFrom(statement, data) {
      log(statement, []);
      const query = sql.unsafe(statement);
      let failed!: (error: unknown) => void;
      const serverError = new Promise<never>((_, reject) => (failed = reject));
      serverError.catch(() => {}); // seen through the race below, or through writable() itself
      const reject = query.reject.bind(query);
      query.reject = (error) => {
        failed(error);
        reject(error);
      };
      const stream = await query.writable();
      stream.end(data);
      await Promise.race([finished(stream), serverError]);
    },
  };
}

function postgresJs(sql: Loose, inTransaction: boolean, log: Log): Direct | undefined {
  if (typeof sql?.unsafe !== 'function') return undefined;
  const s = sql as Sql;
  const connection = postgresJsConnection(s, log);
  return {
    query: connection.query,
    async withCopy(work) {
      if (!postgresJsCanCopy(s)) return undefined;
      if (inTransaction) return work(connection);
      if (typeof s.begin !== 'function') return undefined;
      return (s.begin as (fn: (tx: Sql) => Promise<unknown>) => Promise<unknown>)((tx) => work(postgresJsConnection(tx, log))) as Promise<Awaited<ReturnType<typeof work>>>;
    },
  };
}
