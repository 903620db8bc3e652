import type { JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import { SEQUENCE_METADATA_KEY } from '../insert/sequence-opts.js';
import { promoteSequences } from '../maintenance/sequence-promotion.js';
import type { PgPool } from '../sql/pg-pool.js';

export interface SequenceReleaserOptions {
  pool: PgPool;
  schema: string | undefined;
  logger: Logger;
}

/** The sequence key of a job, or undefined for a job in no sequence. */
export function sequenceKeyOf(job: JobRow<unknown>): string | undefined {
  const sequence = job.metadata[SEQUENCE_METADATA_KEY] as { key?: unknown } | undefined;
  return typeof sequence?.key === 'string' ? sequence.key : undefined;
}

/**
 * Promotes the next job of each sequence whose job this client just finished, right after the
 * completer wrote the outcomes (so the promoting transaction sees them), without waiting for the
 * leader. Keys released while a promotion runs go in the next one: one transaction at a time,
 * each for every key gathered. A failure is logged and left to the leader's promoter, whose
 * poll finds the same heads.
 */
export class SequenceReleaser {
  private keys = new Set<string>();
  private running: Promise<void> | undefined;
  private scheduled = false;

  constructor(private readonly options: SequenceReleaserOptions) {}

  /** A job of this client ended in `state` (undefined: its outcome was not written, it changed meanwhile). */
  stored(job: JobRow<unknown>, state: string | undefined): void {
    // A retry or snooze keeps holding the sequence: nothing to promote.
    if (state === 'retryable' || state === 'scheduled' || state === 'available') return;
    const key = sequenceKeyOf(job);
    if (key === undefined) return;
    this.keys.add(key);
    this.schedule();
  }

  /** Resolves once every key released so far has been promoted (or failed to be). */
  async idle(): Promise<void> {
    while (this.running || this.scheduled) await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
  }

  private schedule(): void {
    if (this.running || this.scheduled) return;
    // After the current flush's other outcomes have been reported, so one transaction takes them all.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.promote().finally(() => {
        this.running = undefined;
        if (this.keys.size > 0) this.schedule();
      });
    });
  }

  private async promote(): Promise<void> {
    const keys = [...this.keys];
    this.keys = new Set();
    try {
      await promoteSequences(this.options.pool, this.options.schema, keys);
    } catch (error) {
      this.options.logger.warn(`could not promote the next job of ${keys.length} sequence(s); the leader will`, { error: String(error) });
    }
  }
}
