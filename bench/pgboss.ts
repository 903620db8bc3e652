import { PgBoss } from 'pg-boss';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';

/** Worker shape: `localConcurrency` workers, each fetching and completing `batchSize` jobs at a time. */
const SHAPE = (() => {
  const [workers, batch] = (process.env.BENCH_PGBOSS_SHAPE ?? '2x25').split('x').map(Number);
  return { workers: workers!, batch: batch! };
})();

/**
 * pg-boss (latest, 12.x; it declares Node >= 22.12 but runs on 20) at its fastest sensible
 * settings for 50 jobs at once:
 * - 2 workers (`localConcurrency: 2`) each fetching a batch of 25 (`batchSize: 25`) and running
 *   the 25 handlers concurrently: 50 jobs in hand. A pg-boss worker completes its whole batch in
 *   one statement once every handler of it has returned, then fetches again; with two, one
 *   fetches while the other works.
 * - `burstWhenBatchFull: true`: fetch again at once while fetches come back full. Without it a
 *   worker waits out its polling interval (at least 0.5 s) after each batch, whatever the
 *   backlog: 50 jobs in hand would cap it near 100 jobs/s.
 * - `useListenNotify` and a `notify: true` queue: an insert wakes idle workers at once (pg-boss's
 *   low-latency mode), otherwise latency would be the 0.5 s polling interval. Both polling
 *   intervals at their minimum, 0.5 s, for when a fetch comes back short.
 * - Cron and supervision off (`schedule: false`, `supervise: false`): nothing else runs in the
 *   background, as for the other contenders. A pool of one connection per worker, plus spares.
 * Tried on this machine, draining 20,000 jobs, in pairs of runs: 1 worker of 50 and 2 of 25 drain
 * alike (2 of 25 a hair ahead), 5 of 10 about half as fast, 10 of 5 a third (a short fetch ends
 * the burst and parks the worker for the polling interval); 50 workers of 1 cannot burst at all.
 * BENCH_PGBOSS_SHAPE=WxB (workers x batch) tries another shape.
 */
export async function pgbossContender(url: string, settings: BenchSettings): Promise<Contender> {
  const boss = new PgBoss({
    connectionString: url,
    max: SHAPE.workers + 5,
    useListenNotify: true,
    schedule: false,
    supervise: false,
  });
  boss.on('error', (error: Error) => console.error('pg-boss error:', error.message));
  await boss.start();
  const name = 'noop';
  await boss.createQueue(name, { notify: true });
  if (SHAPE.workers * SHAPE.batch !== settings.concurrency) {
    console.error(`  (pg-boss shape ${SHAPE.workers}x${SHAPE.batch} holds ${SHAPE.workers * SHAPE.batch} jobs, not ${settings.concurrency})`);
  }
  let hooks: WorkerHooks | undefined;
  // pg-boss has no event for a stored completion. Its worker settles a batch through the db it was
  // built with, so the bench watches that: a completing statement's result lists the ids it
  // settled, and each is counted once the statement has returned, as for the other contenders.
  const db = boss.getDb() as { executeSql(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> };
  const execute = db.executeSql.bind(db);
  db.executeSql = async (text, values) => {
    const result = await execute(text, values);
    if (hooks && text.includes("state = 'completed'") && text.includes('WITH results AS')) {
      const ids = result.rows[0]?.ids;
      const count = Array.isArray(ids) ? ids.length : 0;
      for (let k = 0; k < count; k++) hooks.onCompleted();
    }
    return result;
  };
  return {
    name: 'pg-boss',
    async insertBatch(from, count) {
      await boss.insert(name, Array.from({ length: count }, (_, k) => ({ data: { i: from + k } })));
    },
    async insertOne(i) {
      await boss.send(name, { i });
    },
    async start(phaseHooks) {
      hooks = phaseHooks;
      await boss.work<{ i: number }>(
        name,
        { localConcurrency: SHAPE.workers, batchSize: SHAPE.batch, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
        async (jobs) => {
          await Promise.all(jobs.map(async (job) => hooks?.onStart(job.data.i)));
        },
      );
    },
    async close() {
      await boss.stop({ graceful: true, timeout: 10_000 });
    },
  };
}
