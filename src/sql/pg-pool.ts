/**
 * The part of a node-postgres `Pool` Tributary uses. A `pg.Pool` fits; so does any pool with the
 * same `query` and `connect`.
 */
export interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  connect(): Promise<PgPoolClient>;
  /**
   * node-postgres' pool events: `error` for an idle connection that failed, `connect` with each
   * new connection (the client listens to its `error` events too), `acquire` and `release` as
   * connections are checked out and back in.
   */
  on?(event: 'error' | 'connect' | 'acquire' | 'release', listener: (...args: any[]) => void): unknown;
  off?(event: 'error' | 'connect' | 'acquire' | 'release', listener: (...args: any[]) => void): unknown;
}

/** A connection checked out of a {@link PgPool}. */
export interface PgPoolClient {
  query(text: string, values?: unknown[]): Promise<{ rows: any[] }>;
  release(error?: Error | boolean): void;
  on(event: 'notification', listener: (message: { channel: string; payload?: string }) => void): unknown;
  on(event: 'error' | 'end', listener: (error?: Error) => void): unknown;
  removeAllListeners(event?: string): unknown;
}
