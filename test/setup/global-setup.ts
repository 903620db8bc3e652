import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/migrate/migrate.js';
import { LocalPostgresError, startLocalPostgres } from '../../tools/local-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Connection string of the server's maintenance database. */
    serverUrl: string;
    /** A database migrated by `tributary migrate`, cloned by each test file. */
    templateDatabase: string;
  }
}

/**
 * Starts the server (embedded unless DATABASE_URL is set) and migrates a template database once
 * for the whole run.
 */
export default async function setup(project: TestProject) {
  const server = await startLocalPostgres({
    // Durability is not under test; these make each file's database setup much faster.
    settings: { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: 400 },
  }).catch((error: unknown) => {
    // Its message says the cause and the fix in one sentence: print only that.
    throw error instanceof LocalPostgresError ? bare(error.message) : error;
  });
  const template = `tributary_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.url });
  try {
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
    const templateUrl = new URL(server.url);
    templateUrl.pathname = `/${template}`;
    await migrate({ databaseUrl: templateUrl.toString() });
  } catch (error) {
    await admin.end().catch(() => {});
    await server.stop();
    throw setupFailure(error, server.embedded);
  }

  project.provide('serverUrl', server.url);
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await server.stop();
  };
}

/** One sentence naming the server and the fix: a failure here otherwise ends the run with a stack only. */
function setupFailure(error: unknown, embedded: boolean): Error {
  const cause = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || error.name : String(error);
  return bare(
    embedded
      ? `The test suite could not prepare its template database on the embedded Postgres: ${cause}.`
      : `The test suite could not prepare its template database on DATABASE_URL: ${cause}; check that the server runs and the URL's user may create databases, or unset DATABASE_URL to let the suite start an embedded Postgres.`,
  );
}

/** An error vitest prints as its message alone: no stack, cause or properties. */
function bare(message: string): Error {
  const error = new Error(message);
  error.stack = `Error: ${message}`;
  return error;
}
