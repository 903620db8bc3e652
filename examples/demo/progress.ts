import type { Client, JobEvent } from 'tributary-queue';

type Outcome = 'job_completed' | 'job_failed' | 'job_cancelled';

/**
 * Prints one line per job outcome, as the client reports it, and tells when the jobs the demo
 * waits for are finished. Events fire once an outcome is stored, so nothing here polls river_job
 * or sleeps.
 */
export class Progress {
  private readonly waiting = new Set<number>();
  private readonly finished = new Set<number>();
  private onFinished: (() => void) | undefined;

  constructor(client: Client) {
    for (const event of ['job_completed', 'job_failed', 'job_cancelled'] as const) {
      client.on(event, (payload) => this.report(event, payload));
    }
  }

  /** Adds jobs to wait for; an outcome that already arrived counts. */
  expect(ids: Iterable<number>): void {
    for (const id of ids) if (!this.finished.has(id)) this.waiting.add(id);
  }

  /**
   * Resolves once every expected job is final: completed, cancelled, or discarded after its last
   * attempt. A failed attempt that will be retried is not final. Rejects after `timeoutMs`,
   * naming the jobs still outstanding, so a broken setup fails instead of hanging.
   */
  allDone(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`jobs ${[...this.waiting].join(', ')} not finished after ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.onFinished = () => {
        clearTimeout(timer);
        resolve();
      };
      this.check();
    });
  }

  private report(event: Outcome, { job, queueWaitMs, runDurationMs, error }: JobEvent): void {
    const failure = error === undefined ? '' : `  ${error instanceof Error ? error.message : String(error)}`;
    console.log(
      `${event.padEnd(13)}  ${job.kind.padEnd(20)}  job ${String(job.id).padStart(2)}  attempt ${job.attempt}  ` +
        `${job.state.padEnd(9)}  waited ${String(queueWaitMs).padStart(4)} ms  ran ${String(runDurationMs).padStart(3)} ms${failure}`,
    );
    if (job.state === 'completed' || job.state === 'cancelled' || job.state === 'discarded') {
      this.finished.add(job.id);
      this.waiting.delete(job.id);
      this.check();
    }
  }

  private check(): void {
    if (this.waiting.size === 0) this.onFinished?.();
  }
}
