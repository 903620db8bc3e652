import { sql, type SQL } from 'drizzle-orm';
import { UNIQUE_STATES_PREDICATE } from '../schema/create-schema.js';

/** A table or type name, qualified by the configured schema when there is one. */
export function qualified(schema: string | undefined, name: string): SQL {
  return schema ? sql`${sql.identifier(schema)}.${sql.identifier(name)}` : sql`${sql.identifier(name)}`;
}

/**
 * The unique index's predicate, the same text as in the schema, so Postgres infers
 * `river_job_unique_idx` as the ON CONFLICT arbiter without River's SQL function.
 */
export const UNIQUE_INDEX_PREDICATE = sql.raw(UNIQUE_STATES_PREDICATE);
