import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, defineJob, migrate, work, type InsertManyItem } from 'tributary-queue';
import * as v from 'valibot';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';
import { countStatements } from './statement-sizes.js';

/** `TRIBUTARY_PREFETCH`, when set: a fixed prefetch in place of the adaptive default. */
function fixedPrefetch(): { prefetch?: number } {
  const value = process.env.TRIBUTARY_PREFETCH;
  return value === undefined ? {} : { prefetch: Number(value) };
}

const noop = defineJob({ kind: 'noop', args: v.object({ i: v.number() }) });

/**
 * Tributary as a user gets it without tuning: one queue worked `concurrency` at a time and
 * nothing else (the default, adaptive prefetch), on a `pg.Pool` with its own defaults (10
 * connections). `TRIBUTARY_PREFETCH=n` fixes the prefetch instead, to compare.
 */
export async function tributaryContender(url: string, settings: BenchSettings): Promise<Contender> {
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: Number(process.env.TRIBUTARY_POOL_MAX ?? 10) });
  // A dropped connection rejects the query in flight; without a listener it would also crash the process.
  pool.on('error', () => {});
  const statementSizes = countStatements(pool);
  const db = drizzle(pool);
  // The handler reads the phase's hooks through this, since workers are fixed at construction.
  let hooks: WorkerHooks | undefined;
  const client = new Client({
    pool,
    queues: { default: { maxWorkers: settings.concurrency, ...fixedPrefetch() } },
    workers: [work(noop, async (job) => hooks?.onStart(job.args.i))],
  });
  client.on('job_completed', () => hooks?.onCompleted());
  return {
    name: 'Tributary',
    statementSizes,
    async insertBatch(from, count) {
      const items: InsertManyItem<typeof noop>[] = Array.from({ length: count }, (_, k) => ({ job: noop, args: { i: from + k } }));
      await client.insertMany(db, items);
    },
    async insertOne(i) {
      await client.insert(db, noop, { i });
    },
    async start(phaseHooks) {
      hooks = phaseHooks;
      await client.start();
    },
    async close() {
      await client.stop(); // returns at once if never started
      await pool.end();
    },
  };
}
