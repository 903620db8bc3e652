import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../src/migrate/migrate.js';
import { startLocalPostgres } from '../../tools/local-postgres.js';

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
  });
  const template = `tributary_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const templateUrl = new URL(server.url);
  templateUrl.pathname = `/${template}`;
  await migrate({ databaseUrl: templateUrl.toString() });

  project.provide('serverUrl', server.url);
  project.provide('templateDatabase', template);

  return async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`).catch(() => {});
    await admin.end();
    await server.stop();
  };
}
