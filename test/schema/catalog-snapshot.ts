/**
 * What River's clients find in a Postgres schema, read from Postgres's own catalog: the river_*
 * tables with their persistence, columns, checks and indexes, the enum and River's function.
 * Definitions are Postgres's rendering (`pg_get_constraintdef`, `pg_get_indexdef`), so two schemas
 * compare equal exactly when Postgres sees the same objects, however their DDL was spelled.
 */
export interface CatalogSnapshot {
  enums: Record<string, string[]>;
  /** `name(argument types) returns type`, for each function in the schema. */
  functions: string[];
  tables: Record<string, TableSnapshot>;
}

export interface TableSnapshot {
  persistence: 'permanent' | 'unlogged';
  columns: ColumnSnapshot[];
  /** Constraint name to definition: checks, primary key, unique and foreign keys. */
  constraints: Record<string, string>;
  /** Index name to definition, with the schema qualification taken out. */
  indexes: Record<string, string>;
}

export interface ColumnSnapshot {
  name: string;
  type: string;
  nullable: boolean;
  default: string | null;
}

type Query = <T = Record<string, any>>(text: string, values?: unknown[]) => Promise<T[]>;

/** The catalog of the river_* objects in `schema` (default `public`). */
export async function catalogSnapshot(query: Query, schema = 'public'): Promise<CatalogSnapshot> {
  const tables = await query<{ oid: number; name: string; persistence: string }>(
    `SELECT c.oid::int AS oid, c.relname AS name, c.relpersistence AS persistence
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relkind = 'r' AND c.relname LIKE 'river\\_%'
      ORDER BY c.relname`,
    [schema],
  );
  const snapshot: CatalogSnapshot = { enums: {}, functions: [], tables: {} };
  for (const table of tables) {
    const columns = await query<ColumnSnapshot>(
      `SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, NOT a.attnotnull AS nullable,
              pg_get_expr(d.adbin, d.adrelid) AS default
         FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
      [table.oid],
    );
    const constraints = await query<{ name: string; def: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1 ORDER BY conname`,
      [table.oid],
    );
    const indexes = await query<{ name: string; def: string }>(
      `SELECT i.relname AS name, pg_get_indexdef(x.indexrelid) AS def
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = $1 ORDER BY i.relname`,
      [table.oid],
    );
    const qualified = new RegExp(`\\b${schema}\\.`, 'g');
    snapshot.tables[table.name] = {
      persistence: table.persistence === 'u' ? 'unlogged' : 'permanent',
      columns: columns.map((c) => ({ ...c, type: c.type.replace(qualified, ''), default: c.default?.replace(qualified, '') ?? null })),
      constraints: Object.fromEntries(constraints.map((c) => [c.name, c.def.replace(qualified, '')])),
      indexes: Object.fromEntries(indexes.map((i) => [i.name, i.def.replace(qualified, '')])),
    };
  }
  const enums = await query<{ name: string; labels: string[] }>(
    `SELECT t.typname AS name, array_agg(e.enumlabel ORDER BY e.enumsortorder)::text[] AS labels
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace JOIN pg_enum e ON e.enumtypid = t.oid
      WHERE n.nspname = $1 GROUP BY t.typname ORDER BY t.typname`,
    [schema],
  );
  snapshot.enums = Object.fromEntries(enums.map((e) => [e.name, e.labels]));
  const functions = await query<{ sig: string }>(
    `SELECT format('%s(%s) returns %s', p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid)) AS sig
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  snapshot.functions = functions.map((f) => f.sig.replace(new RegExp(`\\b${schema}\\.`, 'g'), ''));
  return snapshot;
}
