import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';
import { percentile, perSecond } from './stats.js';

/** One contender's figures. */
export interface Figures {
  insertPerSec: number;
  drainPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Rejects with `what` if `promise` has not settled within `ms`, so a stuck queue fails the run instead of hanging it. */
async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  const timeout = new AbortController();
  try {
    return await Promise.race([
      promise,
      sleep(ms, undefined, { signal: timeout.signal }).then(() => Promise.reject(new Error(`timed out after ${ms} ms: ${what()}`))),
    ]);
  } finally {
    timeout.abort();
  }
}

/**
 * Runs the three phases on one contender, on its own empty database. The bulk insert phase also
 * fills the queue for the drain phase, so the drain's jobs are inserted exactly as measured.
 */
export async function measure(contender: Contender, settings: BenchSettings, log: (line: string) => void): Promise<Figures> {
  const { jobs, batch, latencyJobs, latencyIntervalMs } = settings;
  // The handlers call whichever hooks the current phase installed.
  let hooks: WorkerHooks = { onStart() {}, onCompleted() {} };

  // 1. Bulk insert, with no workers running.
  const insertStart = performance.now();
  for (let from = 0; from < jobs; from += batch) await contender.insertBatch(from, Math.min(batch, jobs - from));
  const insertPerSec = perSecond(jobs, performance.now() - insertStart);
  log(`  bulk insert: ${Math.round(insertPerSec)} jobs/s`);

  // 2. Drain. Timed from the first handler start to the last stored completion, so the
  // one-time startup (schema checks, LISTEN) is not counted as drain time.
  let firstStart: number | undefined;
  let completed = 0;
  const drained = new Promise<number>((resolve) => {
    hooks = {
      onStart: () => void (firstStart ??= performance.now()),
      onCompleted: () => void (++completed === jobs && resolve(performance.now())),
    };
  });
  await contender.start({ onStart: (i) => hooks.onStart(i), onCompleted: () => hooks.onCompleted() });
  const drainEnd = await within(drained, Math.max(120_000, jobs * 10), () => `${completed} of ${jobs} jobs completed`);
  const drainPerSec = perSecond(jobs, drainEnd - firstStart!);
  log(`  drain: ${Math.round(drainPerSec)} jobs/s`);

  // 3. Latency, with the workers idle on an empty queue: one insert every interval, open loop
  // (an insert slower than the interval does not delay the next), timed from the insert's
  // commit acknowledged to its handler starting, both on this process's clock.
  const committed = new Map<number, number>();
  const started = new Map<number, number>();
  let allStarted!: () => void;
  const everyStart = new Promise<void>((resolve) => (allStarted = resolve));
  hooks = {
    onStart: (i) => {
      started.set(i, performance.now());
      if (started.size === latencyJobs) allStarted();
    },
    onCompleted() {},
  };
  const inserts: Promise<void>[] = [];
  const begin = performance.now();
  for (let k = 0; k < latencyJobs; k++) {
    // Aim each insert at begin + k * interval, so timer drift does not accumulate.
    await sleep(Math.max(0, begin + k * latencyIntervalMs - performance.now()));
    const i = jobs + k; // numbered after the drain's jobs, so no handler start is mistaken for another's
    const insert = contender.insertOne(i).then(() => void committed.set(i, performance.now()));
    // Promise.all below reports a failure; until then, one must not crash the process unhandled.
    insert.catch(() => {});
    inserts.push(insert);
  }
  await Promise.all(inserts);
  await within(everyStart, 30_000, () => `${started.size} of ${latencyJobs} latency jobs started`);
  const latencies = [...committed].map(([i, t0]) => started.get(i)! - t0);
  const latencyP50Ms = percentile(latencies, 50);
  const latencyP99Ms = percentile(latencies, 99);
  log(`  latency: p50 ${latencyP50Ms.toFixed(2)} ms, p99 ${latencyP99Ms.toFixed(2)} ms`);

  return { insertPerSec, drainPerSec, latencyP50Ms, latencyP99Ms };
}
