import type { PgPool } from 'tributary-queue';

const COLUMNS = ['id', 'kind', 'queue', 'priority', 'state', 'attempt', 'scheduled_at', 'args'] as const;

/** Reads river_job directly, as River UI or any SQL client would see the queue. */
export async function printJobs(pool: PgPool, orderId: number): Promise<void> {
  const { rows } = await pool.query(
    `SELECT id, kind, queue, priority, state, attempt, scheduled_at, args
       FROM river_job WHERE args->>'orderId' = $1::text ORDER BY priority, id`,
    [orderId],
  );
  const cells = rows.map((row) =>
    COLUMNS.map((column) => {
      const value = row[column];
      if (value instanceof Date) return value.toISOString().replace('T', ' ').slice(0, 19);
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    }),
  );
  // The args column is last and may be long, so it is left unpadded.
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((r) => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((cell, i) => (i < r.length - 1 ? cell.padEnd(widths[i]!) : cell)).join('  ');
  console.log(line(COLUMNS));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of cells) console.log(line(r));
}

/** Prints how many jobs river_job holds in each state. */
export async function printStateCounts(pool: PgPool): Promise<void> {
  const { rows } = await pool.query('SELECT state, count(*)::int AS n FROM river_job GROUP BY state ORDER BY state');
  for (const { state, n } of rows) console.log(`${String(state).padEnd(10)} ${n}`);
}
