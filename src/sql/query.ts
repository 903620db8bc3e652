import { createHash } from 'node:crypto';
import type { PgPool } from './pg-pool.js';

/** A statement for node-postgres: text with `$n` placeholders and their values. */
export interface Query {
  text: string;
  values: unknown[];
}

const RAW = Symbol('raw');

/** SQL text spliced in as is; only for identifiers Tributary builds itself. */
export interface Raw {
  readonly [RAW]: string;
}

export const raw = (text: string): Raw => ({ [RAW]: text });

/** The text of a {@link Raw}, to build a larger one from it. */
export const rawText = (r: Raw): string => r[RAW];

const isRaw = (value: unknown): value is Raw => typeof value === 'object' && value !== null && RAW in value;

/** A Postgres identifier, double-quoted. */
export const quoteIdent = (name: string): string => `"${name.replaceAll('"', '""')}"`;

/** `"schema"."name"`, or `"name"` without a schema. */
export function tableName(schema: string | undefined, name: string): Raw {
  return raw(schema ? `${quoteIdent(schema)}.${quoteIdent(name)}` : quoteIdent(name));
}

/** Builds a {@link Query}: each interpolated value becomes the next `$n`, except {@link Raw} text. */
export function query(strings: TemplateStringsArray, ...params: unknown[]): Query {
  const values: unknown[] = [];
  let text = strings[0]!;
  params.forEach((param, i) => {
    if (isRaw(param)) text += param[RAW];
    else text += `$${values.push(param)}`;
    text += strings[i + 1]!;
  });
  return { text, values };
}

const statementNames = new Map<string, string>();

/**
 * The name under which `text` is prepared. node-postgres refuses one name for two texts on a
 * connection, so the name carries a hash of the text: two schemas, or two versions of this
 * library sharing a pool, never collide.
 */
export function statementName(prefix: string, text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`));
  return name;
}

/** The query-config form of node-postgres' `query`, which {@link PgPool} does not require. */
interface NamedStatementPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: any[] }>;
}

/**
 * Runs `q` on `pool`; with a `name`, as that prepared statement, parsed and planned once per
 * connection. Only for a pool known to take node-postgres query configs.
 */
export function runQuery(pool: PgPool, q: Query, name?: string): Promise<{ rows: any[] }> {
  if (name === undefined) return pool.query(q.text, q.values);
  return (pool as unknown as NamedStatementPool).query({ name, text: q.text, values: q.values });
}

/**
 * A value as a SQL literal: null as NULL, finite numbers and booleans as written, text as an
 * E'' literal with quotes and backslashes doubled. The E form means the same whatever
 * `standard_conforming_strings` says: with it off, a plain '' literal would read a handler's
 * error message holding `\'` as the end of the string.
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value))) return String(value);
  return textLiteral(String(value));
}

/** Text as an E'' literal, quotes and backslashes doubled (why E: see `literal` above). */
export const textLiteral = (text: string): string => `E'${text.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;

/**
 * `q` with its values written in as literals, for a text of several statements sent in one
 * round trip (the simple protocol takes no parameters). Only for statements Tributary builds,
 * whose text holds `$n` nowhere but as placeholders.
 */
export function inlined(q: Query): string {
  return q.text.replace(/\$(\d+)/g, (_, n: string) => literal(q.values[Number(n) - 1]));
}

/**
 * `EXECUTE name(...)` of a statement prepared from `q.text`, its values written in as literals
 * (as {@link inlined}), for a text of several statements sent in one round trip.
 */
export function executeInlined(name: string, q: Query): string {
  return q.values.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${q.values.map(literal).join(', ')})`;
}
