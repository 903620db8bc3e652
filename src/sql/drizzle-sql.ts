import { sql, type SQL } from 'drizzle-orm';
import type { Query } from './query.js';

/**
 * A runtime statement (text with `$n`, for the client's pool) as Drizzle SQL, so a statement
 * written once runs both on the client's pool and through a caller's Drizzle handle and
 * transaction.
 */
export function drizzleSql({ text, values }: Query): SQL {
  const parts = text.split(/\$(\d+)/);
  return sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${values[Number(part) - 1]}`)));
}
