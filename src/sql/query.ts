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
