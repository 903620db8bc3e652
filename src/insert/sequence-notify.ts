import { sql } from 'drizzle-orm';
import { executeRows, type DrizzleHandle } from '../drizzle-handle.js';

/** The channel topic that wakes the sequence promoter: `<schema>.tributary_sequence`. */
export const SEQUENCE_TOPIC = 'tributary_sequence';

/**
 * Wakes the leader's sequence promoter after sequenced jobs were inserted, in the caller's
 * transaction (Postgres delivers it at commit). Inserts never promote themselves: two inserts
 * in concurrent transactions would each see an empty sequence and both promote.
 */
export async function notifySequenced(handle: DrizzleHandle, schema: string | undefined): Promise<void> {
  await executeRows(handle, sql`SELECT pg_notify(coalesce(${schema ?? null}::text, current_schema()) || ${'.' + SEQUENCE_TOPIC}, '{}')`);
}
