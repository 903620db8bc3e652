import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzleNodePg } from 'drizzle-orm/node-postgres';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgresJs } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DrizzleHandle } from '../../src/index.js';
import { listen } from '../support/notifications.js';
import type { TestDatabase } from '../support/test-database.js';

/** A Drizzle database of one driver, with what the COPY tests need to look under it. */
export interface DriverHandle {
  name: 'node-postgres' | 'postgres.js' | 'PGlite';
  db: DrizzleHandle & { transaction<T>(fn: (tx: DrizzleHandle) => Promise<T>): Promise<T> };
  /** The first word of every statement Drizzle's logger saw, Tributary's direct ones included. */
  statements: string[];
  /** Whether Tributary can COPY through this driver. */
  copies: boolean;
  /** Runs SQL outside Tributary, on another connection where the driver has several. */
  query<T = Record<string, any>>(text: string, values?: unknown[]): Promise<T[]>;
  /** Listens on a channel; `flush` waits until every notification committed before has arrived. */
  listen(channel: string): Promise<{ payloads: string[]; flush(): Promise<void>; close(): Promise<void> }>;
  close(): Promise<void>;
}

const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

const logger = (statements: string[]) => ({ logQuery: (text: string) => void statements.push(text.trim().split(/\s/)[0]!.toUpperCase()) });

/** node-postgres on the test database's pool. */
export function nodePostgresHandle(t: TestDatabase): DriverHandle {
  const statements: string[] = [];
  return {
    name: 'node-postgres',
    db: drizzleNodePg(t.pool, { logger: logger(statements) }),
    statements,
    copies: true,
    query: t.query,
    listen: (channel) => listen(t.url, channel),
    close: async () => {},
  };
}

/** postgres.js on its own connections to the test database. */
export function postgresJsHandle(t: TestDatabase): DriverHandle {
  const statements: string[] = [];
  const sql = postgres(t.url, { max: 4, onnotice: () => {} });
  return {
    name: 'postgres.js',
    db: drizzlePostgresJs(sql, { logger: logger(statements) }),
    statements,
    copies: false,
    query: t.query,
    listen: (channel) => listen(t.url, channel),
    close: () => sql.end(),
  };
}

/** PGlite in memory, migrated by Drizzle's own migrator from the shipped folder. */
export async function pgliteHandle(): Promise<DriverHandle> {
  const statements: string[] = [];
  const pglite = new PGlite();
  const db = drizzlePglite(pglite, { logger: logger(statements) });
  await migratePglite(db, { migrationsFolder });
  statements.length = 0;
  return {
    name: 'PGlite',
    db,
    statements,
    copies: false,
    query: async (text, values) => (await pglite.query<any>(text, values)).rows,
    async listen(channel) {
      const payloads: string[] = [];
      let marked: (() => void) | undefined;
      const marker = `__marker_${Math.random()}`;
      // Quoted, or PGlite folds the name to lower case and reads the dot as SQL.
      const quoted = `"${channel}"`;
      const onPayload = (payload: string) => {
        if (payload === marker) marked?.();
        else payloads.push(payload);
      };
      await pglite.listen(quoted, onPayload);
      return {
        payloads,
        async flush() {
          const arrived = new Promise<void>((resolve) => (marked = resolve));
          await pglite.query('SELECT pg_notify($1, $2)', [channel, marker]);
          await arrived;
        },
        // Not the function listen() returns: it unlistens by the unquoted name.
        close: () => pglite.unlisten(quoted, onPayload),
      };
    },
    close: () => pglite.close(),
  };
}
