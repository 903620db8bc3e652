/**
 * One Tributary client process for the sequences phase (bench/flow-sequences.ts), started with an
 * IPC channel: it works `seq_bench` jobs (no-ops) `concurrency` at a time, says `ready`, starts
 * on `go`, reports how many it completed every 50 ms, and on `stop` stops the client and sends
 * every run it recorded: job id, sequence key and start and end times (wall-clock ms,
 * performance.timeOrigin based, so comparable across processes on one machine).
 */
import pg from 'pg';
import { Client, defineJob, work } from 'tributary-queue';
import * as v from 'valibot';

/** The bench's job: `key` names its sequence when it is inserted with one. */
export const seqBench = defineJob({ kind: 'seq_bench', args: v.object({ key: v.string(), n: v.number() }) });

/** A run: [job id, key, start, end]. */
export type RecordedRun = [number, string, number, number];

/** Sent to the parent. */
export type SequenceChildMessage =
  | { type: 'ready' }
  | { type: 'progress'; completed: number }
  | { type: 'done'; completed: number; runs: RecordedRun[]; lastCompleted: number | null };

const send = (message: SequenceChildMessage) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

const url = process.env.BENCH_CHILD_URL;
const concurrency = Number(process.env.BENCH_CHILD_CONCURRENCY ?? 50);
if (url && process.send) {
  const pool = new pg.Pool({ connectionString: url });
  pool.on('error', () => {});
  const runs: RecordedRun[] = [];
  let lastCompleted: number | null = null;
  const client = new Client({
    pool,
    queues: { default: { maxWorkers: concurrency } },
    // A no-op whose start and end are both recorded: the next job of its sequence must start after the end.
    workers: [work(seqBench, (job) => {
      const start = now();
      runs.push([job.id, job.args.key, start, now()]);
    })],
  });
  let completed = 0;
  client.on('job_completed', () => {
    completed++;
    lastCompleted = now();
  });
  const progress = setInterval(() => send({ type: 'progress', completed }), 50);
  process.on('message', (message: { type: string }) => {
    if (message.type === 'go') void client.start();
    else if (message.type === 'stop') {
      clearInterval(progress);
      void client.stop().then(async () => {
        await pool.end();
        process.removeAllListeners('disconnect');
        // Disconnect once the (large) message is written, not before: it would be lost.
        process.send!({ type: 'done', completed, runs, lastCompleted } satisfies SequenceChildMessage, () => process.disconnect());
      });
    }
  });
  process.on('disconnect', () => process.exit(1));
  send({ type: 'ready' });
}
