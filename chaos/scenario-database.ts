/**
 * A database of one scenario's own on the suite's server: migrated by the built package's
 * `migrate()` (as `tributary migrate` does), plus the chaos tables. Dropped afterwards whatever
 * happened, connections and all.
 */
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, migrate } from 'tributary-queue';
import { onServer, type ChaosPostgres } from './postgres-control.js';
import { CHAOS_TABLES_SQL } from './tables.js';

/** application_name of the harness's own connections, which connection kills leave alone. */
export const HARNESS_APPLICATION_NAME = 'chaos-harness';

export interface ScenarioDatabase {
  name: string;
  url: string;
  /** The harness's pool: its errors are ignored (the server restarts under it), its queries retried by callers. */
  pool: pg.Pool;
  db: NodePgDatabase;
  /** An insert-only client of the built package, for the harness's inserts. */
  client: Client;
  drop(): Promise<void>;
}

export async function createScenarioDatabase(server: ChaosPostgres, scenario: string): Promise<ScenarioDatabase> {
  const name = `chaos_${scenario.replaceAll('-', '_')}_${Date.now().toString(36)}`;
  await onServer(server.url, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = server.databaseUrl(name);
  await migrate({ databaseUrl: url });
  await onServer(url, (c) => c.query(CHAOS_TABLES_SQL));
  const pool = new pg.Pool({ connectionString: url, application_name: HARNESS_APPLICATION_NAME, max: 4, connectionTimeoutMillis: 5000 });
  pool.on('error', () => {});
  let dropped = false;
  return {
    name, url, pool, db: drizzle(pool), client: new Client(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await pool.end().catch(() => {});
      await server.ensureUp();
      await onServer(server.url, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
