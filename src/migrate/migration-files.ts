import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One of the library's shipped migrations, from `drizzle/`. */
export interface MigrationFile {
  /** drizzle-kit's tag, such as `0000_river_schema`. */
  tag: string;
  /** SHA-256 of the file, to notice a database migrated with different SQL under the same tag. */
  hash: string;
  /** The statements, split at drizzle-kit's `--> statement-breakpoint`. */
  statements: string[];
}

/** The `drizzle/` folder shipped with the package, found from this module's own location. */
export function migrationsFolder(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'drizzle');
    if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error(`tributary: cannot find its drizzle/ migrations folder near ${fileURLToPath(import.meta.url)}`);
}

/** The shipped migrations in the order of drizzle-kit's journal. */
export async function readMigrationFiles(folder = migrationsFolder()): Promise<MigrationFile[]> {
  const journal = JSON.parse(await readFile(join(folder, 'meta', '_journal.json'), 'utf8')) as {
    entries: { idx: number; tag: string }[];
  };
  const entries = [...journal.entries].sort((a, b) => a.idx - b.idx);
  return Promise.all(
    entries.map(async ({ tag }) => {
      const text = await readFile(join(folder, `${tag}.sql`), 'utf8');
      return {
        tag,
        hash: createHash('sha256').update(text).digest('hex'),
        statements: text
          .split('--> statement-breakpoint')
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
      };
    }),
  );
}
