import { Queue, Worker } from 'bullmq';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';

/**
 * BullMQ on a throwaway local Redis (bench/redis.ts), at its fastest sensible settings:
 * - one Worker with `concurrency` 50: BullMQ's own parallelism knob; each finished job's
 *   completion script also hands the worker its next job in the same round trip;
 * - `removeOnComplete: true`: a completed job is deleted, not kept in the completed set (like
 *   graphile-worker, and BullMQ's own advice for throughput); failures are kept;
 * - Redis with no persistence (no RDB, no AOF), so, unlike the Postgres contenders, a commit is
 *   not a disk write: keep that in mind when reading its figures;
 * - ioredis with `maxRetriesPerRequest: null`, as BullMQ requires for workers.
 * Bulk insert is `queue.addBulk` (one MULTI), a single insert `queue.add` (acknowledged by Redis).
 */
export async function bullmqContender(redis: { host: string; port: number }, settings: BenchSettings): Promise<Contender> {
  const connection = { host: redis.host, port: redis.port, maxRetriesPerRequest: null };
  const name = 'bench';
  const queue = new Queue(name, { connection, defaultJobOptions: { removeOnComplete: true, removeOnFail: false } });
  await queue.waitUntilReady();
  await queue.obliterate({ force: true }); // a fresh Redis, but say it: no leftovers
  let worker: Worker | undefined;
  return {
    name: 'BullMQ',
    async insertBatch(from, count) {
      await queue.addBulk(Array.from({ length: count }, (_, k) => ({ name: 'noop', data: { i: from + k } })));
    },
    async insertOne(i) {
      await queue.add('noop', { i });
    },
    async start(hooks: WorkerHooks) {
      worker = new Worker(name, async (job) => hooks.onStart((job.data as { i: number }).i), {
        connection,
        concurrency: settings.concurrency,
        autorun: false,
      });
      // 'completed' is emitted after the completion script has run in Redis.
      worker.on('completed', () => hooks.onCompleted());
      worker.on('error', (error) => console.error('BullMQ worker error:', error.message));
      await worker.waitUntilReady();
      void worker.run();
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
