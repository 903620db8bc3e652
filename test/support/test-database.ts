import { randomBytes } from 'node:crypto';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

/** A database of one test file's own, dropped after the file. */
export interface TestDatabase {
  name: string;
  url: string;
  pool: pg.Pool;
  db: NodePgDatabase;
  /** Runs SQL on the pool and returns its rows. */
  query<T = Record<string, any>>(text: string, values?: unknown[]): Promise<T[]>;
}

const serverUrl = () => inject('serverUrl');

// Registered once, at import, on the importing file's root suite: databases made inside a test
// (not only at the top of the file) are dropped too.
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export function databaseUrl(name: string): string {
  const url = new URL(serverUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the server's maintenance database. */
export async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl() });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

async function createDatabase(name: string, template: string): Promise<void> {
  // Concurrent clones of one template can briefly see each other as "other users" of it.
  for (let attempt = 0; ; attempt++) {
    try {
      return await adminQuery(`CREATE DATABASE ${name} TEMPLATE ${template}`);
    } catch (error) {
      if ((error as { code?: string }).code !== '55006' || attempt >= 50) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
}

/**
 * Creates a database for the calling test file: a clone of the migrated template, or with
 * `empty: true` a database with no Tributary tables. Dropped in afterAll.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await createDatabase(name, options.empty ? 'template0' : inject('templateDatabase'));
  const url = databaseUrl(name);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // pool.end() resolves before its connections have finished closing, and the DROP ... FORCE
  // below may terminate one of them: pg reports that as an 'error' on the pool, which with no
  // listener would be an unhandled error failing the whole run (seen once in CI).
  pool.on('error', () => {});
  cleanups.push(async () => {
    await pool.end();
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return {
    name,
    url,
    pool,
    db: drizzle(pool),
    query: async (text, values) => (await pool.query(text, values)).rows,
  };
}
