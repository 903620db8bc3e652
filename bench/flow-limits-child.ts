/**
 * One Tributary client process for the limits phase (bench/flow-limits.ts), with an IPC channel:
 * works queue `limited` with the queue config in BENCH_LIMITS_QUEUE (JSON); its one kind, `timed`,
 * sleeps `args.ms` (0: a no-op). Says `ready`, starts on `go`, and on `stop` stops its client and
 * sends every run's start and end (wall-clock ms, performance.timeOrigin based, comparable across
 * processes on one machine).
 */
import pg from 'pg';
import { Client, defineJob, work } from 'tributary-queue';
import * as v from 'valibot';

export interface LimitsRun {
  id: number;
  partition: string | undefined;
  start: number;
  end: number;
}
export type LimitsChildMessage = { type: 'ready' } | { type: 'done'; runs: LimitsRun[] };

const timed = defineJob({ kind: 'timed', args: v.object({ ms: v.number(), p: v.optional(v.string()) }) });
const now = () => performance.timeOrigin + performance.now();
const send = (message: LimitsChildMessage, then?: () => void) => process.send?.(message, undefined, {}, () => then?.());

const pool = new pg.Pool({ connectionString: process.env.BENCH_CHILD_URL, max: 10 });
pool.on('error', () => {});
const runs: LimitsRun[] = [];
const client = new Client({
  pool,
  queues: { limited: JSON.parse(process.env.BENCH_LIMITS_QUEUE ?? '{"maxWorkers":5}') },
  workers: [
    work(timed, async (job) => {
      const start = now();
      if (job.args.ms > 0) await new Promise((resolve) => setTimeout(resolve, job.args.ms));
      runs.push({ id: job.id, partition: job.args.p, start, end: now() });
    }),
  ],
});
process.on('message', (message: { type: 'go' | 'stop' }) => {
  if (message.type === 'go') void client.start();
  else void client.stop().then(async () => {
    await pool.end();
    // Disconnect only once the message is out: a disconnect right after send() can drop it.
    send({ type: 'done', runs }, () => process.disconnect());
  });
});
send({ type: 'ready' });
