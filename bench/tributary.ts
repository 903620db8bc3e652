import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { Client, defineJob, migrate, work, type InsertManyItem } from 'tributary-queue';
import * as v from 'valibot';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';

const noop = defineJob({ kind: 'noop', args: v.object({ i: v.number() }) });

/**
 * Tributary with default timings: one queue worked `concurrency` at a time, a pool of 20. The
 * default fetchCooldown (100 ms, River's) lets one fetch per 100 ms through, so inserts 10 ms
 * apart wait for it: that, not a round trip, is what its latency figures show.
 */
export async function tributaryContender(url: string, settings: BenchSettings): Promise<Contender> {
  await migrate({ databaseUrl: url });
  const pool = new pg.Pool({ connectionString: url, max: 20 });
  // A dropped connection rejects the query in flight; without a listener it would also crash the process.
  pool.on('error', () => {});
  const db = drizzle(pool);
  // The handler reads the phase's hooks through this, since workers are fixed at construction.
  let hooks: WorkerHooks | undefined;
  const client = new Client({
    pool,
    // The same 500 jobs in hand as graphile-worker's local queue: 50 running, 450 prefetched.
    queues: { default: { maxWorkers: settings.concurrency, prefetch: settings.localQueue - settings.concurrency } },
    workers: [work(noop, async (job) => hooks?.onStart(job.args.i))],
  });
  client.on('job_completed', () => hooks?.onCompleted());
  return {
    name: 'Tributary',
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
