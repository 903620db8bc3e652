/**
 * The default `prefetch` holds ahead about this many fetch round trips' worth of work: enough
 * that the workers still have jobs while the next fetches are on their way (a producer has up
 * to two refills in flight).
 */
export const AUTO_PREFETCH_ROUND_TRIPS = 3;
/** The default `prefetch` never holds more than this many jobs per worker slot... */
export const AUTO_PREFETCH_PER_WORKER = 10;
/** ...nor more than this many in all. */
export const AUTO_PREFETCH_MAX = 2000;

/** Weight of a new sample in the smoothed rates. */
const SMOOTHING = 0.3;
/** Shortest span, in ms, over which the finishing rate is sampled. */
const MIN_SAMPLE_MS = 50;

const smooth = (previous: number, sample: number) => previous + SMOOTHING * (sample - previous);

/**
 * How many jobs a producer fetches ahead of its free workers. A fixed `prefetch` is that number.
 * The default adapts: while fetches come back full (a backlog), it holds what the workers finish
 * in a few fetch round trips, from the measured finishing rate and fetch time, so short jobs
 * come in large fetches and long ones are not hoarded from other clients; a fetch that finds
 * nothing (an idle queue) brings it back to none, and one that finds less than it asked for
 * halves it.
 */
export class PrefetchSizer {
  private aheadNow: number;
  private finished = 0;
  private sampledAt = Date.now();
  /** Jobs finished per ms, smoothed. */
  private finishRate = 0;
  /** A fetch's round trip in ms, smoothed. */
  private fetchMs = 0;

  constructor(
    private readonly fixed: number | undefined,
    private readonly maxWorkers: number,
  ) {
    this.aheadNow = fixed ?? 0;
  }

  /** Jobs to fetch ahead of free workers now. */
  get ahead(): number {
    return this.aheadNow;
  }

  /** A job of the producer finished (its slot is free again). */
  jobFinished(): void {
    this.finished++;
  }

  /** A fetch that asked for `asked` jobs got `got`, `startedAt` to `endedAt` (ms). */
  fetched(asked: number, got: number, startedAt: number, endedAt: number): void {
    if (this.fixed !== undefined) return;
    this.fetchMs = smooth(this.fetchMs, endedAt - startedAt);
    const span = endedAt - this.sampledAt;
    if (span >= MIN_SAMPLE_MS) {
      this.finishRate = smooth(this.finishRate, this.finished / span);
      this.finished = 0;
      this.sampledAt = endedAt;
    }
    if (got === 0) this.aheadNow = 0;
    else if (got < asked) this.aheadNow = Math.floor(this.aheadNow / 2);
    else {
      const wanted = Math.floor(this.finishRate * this.fetchMs * AUTO_PREFETCH_ROUND_TRIPS);
      this.aheadNow = Math.min(wanted, this.maxWorkers * AUTO_PREFETCH_PER_WORKER, AUTO_PREFETCH_MAX);
    }
  }
}
