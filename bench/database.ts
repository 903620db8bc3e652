import pg from 'pg';

/** Runs one statement on the server's own database, outside any transaction (CREATE DATABASE needs that). */
async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * Creates an empty database for one contender on the same server, so neither queue's tables,
 * indexes or dead rows are in the other's way. A leftover of an interrupted run (only possible
 * with DATABASE_URL) is dropped first; the names are the bench's own. `settings` (such as
 * `{ synchronous_commit: 'off' }`) become the database's own defaults (`ALTER DATABASE ... SET`),
 * so every session any client opens on it later has them, and the server's other databases do not.
 * @returns the new database's connection string.
 */
export async function createDatabase(serverUrl: string, name: string, settings: Record<string, string> = {}): Promise<string> {
  await dropDatabase(serverUrl, name);
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  for (const [setting, value] of Object.entries(settings)) {
    await onServer(serverUrl, `ALTER DATABASE "${name}" SET ${pg.escapeIdentifier(setting)} = ${pg.escapeLiteral(value)}`);
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a bench database, closing any connection still open on it. */
export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

/** The server's version, for the report header. */
export async function serverVersion(serverUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]!.server_version;
  } finally {
    await client.end();
  }
}
