import { sqlState } from '../drizzle-handle.js';

/**
 * SQLSTATE classes and codes of failures that pass by themselves: the connection (08), a
 * serialization failure or deadlock (40001, 40P01), the server out of resources (53), shutting
 * down or starting (57P01 to 57P03), a lock or statement timeout (55P03, 57014), an I/O error (58).
 */
const TRANSIENT = /^(08|53|58)|^(40001|40P01|55P03|57014|57P01|57P02|57P03)$/;

/**
 * Whether a statement that failed with `error` may succeed if sent again unchanged. Errors
 * without a SQLSTATE come from the connection, not the statement (refused, reset, terminated,
 * no connection free in time), so they are transient too. Anything else (bad data, a check, a
 * trigger) fails again every time: retrying it would only hold back what waits behind it.
 */
export function isTransient(error: unknown): boolean {
  const code = sqlState(error);
  return code === undefined || TRANSIENT.test(code);
}
