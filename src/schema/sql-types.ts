import { customType } from 'drizzle-orm/pg-core';

/** The largest smallint, so the largest `river_job.max_attempts` (and `attempt`). */
export const SMALLINT_MAX = 32_767;

/**
 * `bytea`, read and written as a Node `Buffer`. drizzle-orm before 1.0 has no builtin for it.
 */
export const bytea = customType<{ data: Buffer; driverData: Buffer }>({
  dataType: () => 'bytea',
});

/**
 * `bit(8)`, the unique-states mask. Postgres reads and writes bit strings as text of 0s and 1s,
 * leftmost character first (`get_bit(mask, 0)`).
 */
export const bit8 = customType<{ data: string; driverData: string }>({
  dataType: () => 'bit(8)',
});
