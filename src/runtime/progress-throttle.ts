import type { JobRow } from '../job-row.js';
import type { JobProgress } from '../job-progress.js';
import type { Logger } from '../logger.js';

/** Least time between two progress writes of one job, in ms; the last value is always written. */
export const PROGRESS_WRITE_INTERVAL_MS = 250;

/** Where a running job's progress goes: the runtime's pool, or a test's transaction. */
export interface ProgressStore {
  /** Writes `json` (the progress as JSON text) for this attempt of `job`; the event follows a write. */
  write(job: JobRow<unknown>, json: string, progress: JobProgress): Promise<void>;
  logger: Logger;
}

/**
 * One running job's progress reports, written at most every {@link PROGRESS_WRITE_INTERVAL_MS}
 * however often they come: the first at once, then the latest when the interval has passed. One
 * write at a time, so they land in order. `flush()`, when the work function returns and before
 * its outcome is handed to the completer, writes the last value not yet written: the outcome is
 * then written after it, and keeps it.
 */
export class ProgressThrottle {
  private latest: { json: string; value: JobProgress } | undefined;
  private dirty = false;
  private lastWriteAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly job: JobRow<unknown>,
    private readonly store: ProgressStore,
    private readonly intervalMs = PROGRESS_WRITE_INTERVAL_MS,
  ) {}

  /** Takes a validated report. After the job's outcome is on its way, reports are dropped. */
  report(json: string, value: JobProgress): void {
    if (this.closed) {
      this.store.logger.debug(`job ${this.job.id}: progress reported after its attempt ended; dropped`);
      return;
    }
    this.latest = { json, value };
    this.dirty = true;
    this.schedule();
  }

  /** Writes the last report if it is not written yet; reports after it are dropped. */
  async flush(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    if (this.dirty) await this.write();
  }

  private schedule(): void {
    if (this.writing || this.timer) return; // the write under way or the timer picks the latest up
    const wait = this.lastWriteAt + this.intervalMs - Date.now();
    if (wait <= 0) {
      void this.write();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.write();
    }, wait);
  }

  private write(): Promise<void> {
    const { json, value } = this.latest!;
    this.dirty = false;
    this.lastWriteAt = Date.now();
    const writing = this.store.write(this.job, json, value).catch((error: unknown) => {
      // Progress is advisory: a lost write never fails the job. The next report tries again.
      this.store.logger.warn(`job ${this.job.id}: could not store its progress`, { error: error instanceof Error ? error.message : String(error) });
    }).finally(() => {
      this.writing = undefined;
      if (this.dirty && !this.closed) this.schedule();
    });
    this.writing = writing;
    return writing;
  }
}
