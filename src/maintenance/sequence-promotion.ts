import type { PgPool } from '../sql/pg-pool.js';
import { onOwnConnection } from '../sql/pool-transaction.js';
import { sequenceBeginLocked, sequencePromote } from '../sql/sequence-promote.js';

/** Most jobs one statement promotes; a pass repeats it while it comes back full. */
export const SEQUENCE_PROMOTE_BATCH = 10_000;


/**
 * Promotes the head of every ready sequence (`keys` null) or of the sequences named, in a
 * transaction of its own that first takes the promoters' advisory lock: with any number of
 * processes promoting, each sees what the one before it promoted, so a sequence never gets two
 * heads. Returns how many jobs it promoted. Inserts and outcomes must be committed before this runs: it reads them in a snapshot
 * of its own.
 */
export async function promoteSequences(pool: PgPool, schema: string | undefined, keys: readonly string[] | null): Promise<number> {
  return onOwnConnection(pool, async (connection) => {
    await connection.query(sequenceBeginLocked({ schema }));
    const promote = sequencePromote({ schema, keys, limit: SEQUENCE_PROMOTE_BATCH });
    const [row] = (await connection.query(promote.text, promote.values)).rows;
    await connection.query('COMMIT');
    return Number(row?.promoted ?? 0);
  });
}
