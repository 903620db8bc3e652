import { setTimeout as sleep } from 'node:timers/promises';
import type { BenchSettings, Contender, WorkerHooks } from './contender.js';
import { percentile, perSecond } from './stats.js';

/** One contender's figures; NaN for a phase not run. */
export interface Figures {
  insertPerSec: number;
  drainPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** The drain again while a CPU loop keeps one core busy (the busy phase). */
  busyDrainPerSec: number;
  /** The latency again on a database with `synchronous_commit = off` (the latency-async phase). */
  latencyAsyncP50Ms: number;
  latencyAsyncP99Ms: number;
}

/** Figures with nothing measured yet. */
export const noFigures = (): Figures => ({
  insertPerSec: NaN, drainPerSec: NaN, latencyP50Ms: NaN, latencyP99Ms: NaN, busyDrainPerSec: NaN, latencyAsyncP50Ms: NaN, latencyAsyncP99Ms: NaN,
});

/** The per-contender phases. */
export type ContenderPhase = 'insert' | 'drain' | 'latency';

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
 * Runs the selected phases on one contender, on its own database, in this order. The bulk insert
 * phase also fills the queue for the drain phase, so the drain's jobs are inserted exactly as
 * measured (it runs whenever the drain does). `label` prefixes the printed lines.
 */
export async function measure(
  contender: Contender, settings: BenchSettings, log: (line: string) => void,
  phases: ReadonlySet<ContenderPhase> = new Set(['insert', 'drain', 'latency']), label = '',
): Promise<Figures> {
  const { jobs, batch, latencyJobs, latencyIntervalMs } = settings;
  const figures = noFigures();
  // The handlers call whichever hooks the current phase installed.
  let hooks: WorkerHooks = { onStart() {}, onCompleted() {} };
  let started = false;
  const start = async () => {
    if (started) return;
    started = true;
    await contender.start({ onStart: (i) => hooks.onStart(i), onCompleted: () => hooks.onCompleted() });
  };

  // 1. Bulk insert, with no workers running.
  if (phases.has('insert') || phases.has('drain')) {
    const insertStart = performance.now();
    for (let from = 0; from < jobs; from += batch) await contender.insertBatch(from, Math.min(batch, jobs - from));
    figures.insertPerSec = perSecond(jobs, performance.now() - insertStart);
    log(`  ${label}bulk insert: ${Math.round(figures.insertPerSec)} jobs/s`);
  }
  // 2. Drain; also run, unreported, when inserted jobs would otherwise be in the latency's way.
  if (phases.has('drain') || (phases.has('insert') && phases.has('latency'))) {
    const drainPerSec = await drain(jobs, start, (h) => (hooks = h));
    if (phases.has('drain')) {
      figures.drainPerSec = drainPerSec;
      log(`  ${label}drain: ${Math.round(drainPerSec)} jobs/s`);
    }
  }
  // 3. Latency, on the idle workers.
  if (phases.has('latency')) {
    await start();
    [figures.latencyP50Ms, figures.latencyP99Ms] = await latency(contender, jobs, latencyJobs, latencyIntervalMs, (h) => (hooks = h));
    log(`  ${label}latency: p50 ${figures.latencyP50Ms.toFixed(2)} ms, p99 ${figures.latencyP99Ms.toFixed(2)} ms`);
  }
  return figures;
}

/**
 * Drains the `jobs` waiting jobs; returns jobs/s. Timed from the first handler start to the last
 * stored completion, so the one-time startup (schema checks, LISTEN) is not counted as drain time.
 */
async function drain(jobs: number, start: () => Promise<void>, install: (hooks: WorkerHooks) => void): Promise<number> {
  let firstStart: number | undefined;
  let completed = 0;
  const drained = new Promise<number>((resolve) => {
    install({
      onStart: () => void (firstStart ??= performance.now()),
      onCompleted: () => void (++completed === jobs && resolve(performance.now())),
    });
  });
  await start();
  const drainEnd = await within(drained, Math.max(120_000, jobs * 10), () => `${completed} of ${jobs} jobs completed`);
  return perSecond(jobs, drainEnd - firstStart!);
}

/**
 * Inserts sent before each latency measurement and not counted (1 s of them at 10 ms apart). On
 * workers just started, the jobs inserted in the first 0.3 s or so took 10 to 26 ms, for both
 * Tributary and graphile-worker (pools opening connections, code run the first time), which made
 * p99 20 to 45 ms where the same workers after a drain gave 8 to 10 ms. That says nothing about a
 * running queue, and would make a latency run without a drain before it (the latency-async
 * phase) incomparable with one after (the latency phase).
 */
const LATENCY_WARMUP = 100;

/**
 * Latency, with the workers idle on an empty queue: one insert every interval, open loop (an
 * insert slower than the interval does not delay the next), timed from the insert's commit
 * acknowledged to its handler starting, both on this process's clock, after
 * {@link LATENCY_WARMUP} uncounted inserts at the same pace. Returns [p50, p99] in ms.
 */
async function latency(
  contender: Contender, jobs: number, latencyJobs: number, latencyIntervalMs: number, install: (hooks: WorkerHooks) => void,
): Promise<[number, number]> {
  const total = LATENCY_WARMUP + latencyJobs;
  const committed = new Map<number, number>();
  const started = new Map<number, number>();
  let allStarted!: () => void;
  const everyStart = new Promise<void>((resolve) => (allStarted = resolve));
  install({
    onStart: (i) => {
      started.set(i, performance.now());
      if (started.size === total) allStarted();
    },
    onCompleted() {},
  });
  const inserts: Promise<void>[] = [];
  const begin = performance.now();
  for (let k = 0; k < total; k++) {
    // Aim each insert at begin + k * interval, so timer drift does not accumulate.
    await sleep(Math.max(0, begin + k * latencyIntervalMs - performance.now()));
    const i = jobs + k; // numbered after the drain's jobs, so no handler start is mistaken for another's
    const counted = k >= LATENCY_WARMUP;
    const insert = contender.insertOne(i).then(() => void (counted && committed.set(i, performance.now())));
    // Promise.all below reports a failure; until then, one must not crash the process unhandled.
    insert.catch(() => {});
    inserts.push(insert);
  }
  await Promise.all(inserts);
  await within(everyStart, 30_000, () => `${started.size} of ${total} latency jobs started`);
  const latencies = [...committed].map(([i, t0]) => started.get(i)! - t0);
  return [percentile(latencies, 50), percentile(latencies, 99)];
}
