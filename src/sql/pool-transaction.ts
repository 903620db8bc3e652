import type { PgPool, PgPoolClient } from './pg-pool.js';

/**
 * Runs `body` on a connection of its own from `pool` (which begins and commits its
 * transaction) and gives the connection back. When `body` throws, the connection is rolled back
 * first (a failed ROLLBACK ignored) and the error rethrown. It is given back as broken, so the
 * pool closes it, unless the error came from Postgres (it has a `code`): a Postgres error leaves
 * the connection usable, any other (a lost socket, say) may leave it mid-transaction.
 */
export async function onOwnConnection<T>(pool: PgPool, body: (connection: PgPoolClient) => Promise<T>): Promise<T> {
  const connection = await pool.connect();
  let broken: unknown;
  try {
    return await body(connection);
  } catch (error) {
    broken = error;
    await connection.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    connection.release(broken instanceof Error && !('code' in broken) ? broken : undefined);
  }
}
