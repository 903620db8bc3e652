/**
 * One Tributary client process for the memory and scale-out phases, started by bench/scale.ts
 * with an IPC channel: it builds the same client as the drain phase (bench/tributary.ts), says
 * `ready`, starts working on `go`, reports progress every 50 ms, and on `stop` stops the client
 * and sends its final figures. Times are wall-clock milliseconds (performance.timeOrigin based),
 * comparable across processes on one machine.
 */
import type { BenchSettings } from './contender.js';
import { tributaryContender } from './tributary.js';

/** Sent to the parent. */
export type ChildMessage =
  | { type: 'ready'; rss: number }
  | { type: 'progress' | 'done'; completed: number; firstStart: number | null; lastCompleted: number | null; peakRss: number; maxRss: number; readyRss: number };

/** Sent by the parent. */
export type ParentMessage = { type: 'go' } | { type: 'stop' };

const send = (message: ChildMessage) => process.send?.(message);
const now = () => performance.timeOrigin + performance.now();

const url = process.env.BENCH_CHILD_URL;
const settings = JSON.parse(process.env.BENCH_CHILD_SETTINGS ?? 'null') as BenchSettings | null;
if (!url || !settings || !process.send) {
  console.error('bench/drain-child.ts is started by bench/scale.ts, not by hand');
  process.exit(2);
}

let completed = 0;
let firstStart: number | null = null;
let lastCompleted: number | null = null;
let peakRss = process.memoryUsage().rss;
// RSS sampled every 100 ms while working; maxRss (the kernel's high-water mark) catches peaks in between.
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
let readyRss = 0;
const figures = (type: 'progress' | 'done'): ChildMessage => ({
  type, completed, firstStart, lastCompleted, peakRss, maxRss: process.resourceUsage().maxRSS * 1024, readyRss,
});

const contender = await tributaryContender(url, settings);
let progress: NodeJS.Timeout | undefined;
process.on('message', (message: ParentMessage) => {
  if (message.type === 'go') {
    peakRss = process.memoryUsage().rss;
    progress = setInterval(() => send(figures('progress')), 50);
    void contender.start({
      onStart: () => void (firstStart ??= now()),
      onCompleted: () => {
        completed++;
        lastCompleted = now();
      },
    });
  } else if (message.type === 'stop') {
    clearInterval(progress);
    clearInterval(sampler);
    void contender.close().then(() => {
      process.removeAllListeners('disconnect');
      send(figures('done'));
      process.disconnect();
    });
  }
});
// The parent gone (killed, crashed): nothing left to report to.
process.on('disconnect', () => process.exit(1));
// Once the client is built (pool, workers, migrations checked), before any job is fetched.
readyRss = process.memoryUsage().rss;
send({ type: 'ready', rss: readyRss });
