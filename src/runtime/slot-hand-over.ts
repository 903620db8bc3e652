import type { JobRow } from '../job-row.js';
import type { Logger } from '../logger.js';
import type { SlotNotices } from '../flow/slot-notices.js';
import type { Completer } from './completer.js';
import type { StoredAttempt } from './outcome-events.js';
import type { Producer } from './producer.js';

export interface SlotHandOver {
  /** The producer of the job's queue, which said yes to {@link Producer.beginHandOver}. */
  producer: Producer;
  /** The job's completion. */
  stored: StoredAttempt;
  slots: SlotNotices | undefined;
  completer: Completer<StoredAttempt>;
  logger: Logger;
  /** What the completer's `onStored` does for an outcome it wrote: events, sequences. */
  onStored: (attempt: StoredAttempt, written: boolean) => void;
}

/**
 * Stores a completion of a limited queue while its limit binds, handing the job's slot to the
 * next job of its partition in the same statement, and gives that job to the producer. When
 * the statement fails, the completer writes the outcome as usual (with its retries), and the
 * slot is fetched for once it is written, as any freed slot is.
 */
export async function handOverSlot({ producer, stored, slots, completer, logger, onStored }: SlotHandOver): Promise<void> {
  const job = stored.running.job;
  let jobs: JobRow<unknown>[] = [];
  try {
    const handed = await producer.handOverSlot(stored.row);
    jobs = handed.jobs;
    // Without a successor the slot is free: told to other clients as any freed slot is.
    if (jobs.length === 0) slots?.jobFinished(job);
    onStored(stored, handed.written);
  } catch (error) {
    logger.warn(`could not hand over the slot of job ${job.id}; the completer stores its outcome`, { error: String(error) });
    slots?.jobFinished(job);
    completer.add(stored);
  }
  producer.handedOver(jobs);
}
