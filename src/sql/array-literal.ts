/** An element of a Postgres array literal: text (quoted), a number or boolean, or NULL. */
export type ArrayElement = string | number | boolean | null;

const ESCAPE = /["\\]/g;

/**
 * Writes a one-dimensional Postgres array literal, such as `{"a","b\"c",NULL,3}`. Sent as a text
 * parameter and cast on the server (`$1::text::jsonb[]`), it reaches Postgres byte for byte the
 * same whatever driver carries it, where each driver serializes JS arrays its own way. Every
 * string is quoted, so empty strings, spaces, braces and the text `NULL` stay themselves.
 */
export function arrayLiteral(values: readonly ArrayElement[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const value = values[i];
    if (value === null) out += 'NULL';
    else if (typeof value === 'string') out += `"${value.replace(ESCAPE, '\\$&')}"`;
    else if (typeof value === 'boolean') out += value ? 't' : 'f';
    else out += String(value);
  }
  return out + '}';
}
