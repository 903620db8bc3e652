import { TributaryError } from './errors.js';

/**
 * Throw from a worker to cancel the job: it ends `cancelled` and is not retried. The message is
 * recorded in the job's errors.
 */
export class JobCancelError extends TributaryError {
  override name = 'JobCancelError';
}

/**
 * Throw from a worker to run the job again after `delayMs` without using up an attempt;
 * `metadata.snoozes` counts how often it was snoozed.
 */
export class JobSnoozeError extends TributaryError {
  override name = 'JobSnoozeError';
  constructor(readonly delayMs: number) {
    super(`job snoozed for ${delayMs} ms`);
    if (!Number.isFinite(delayMs) || delayMs < 0) throw new TributaryError(`snooze delay must be a number of milliseconds >= 0, got ${delayMs}`);
  }
}

/** Cancels the running job: `throw cancelJob('customer deleted')`-style helper that throws for you. */
export function cancelJob(reason = 'job cancelled by its worker'): never {
  throw new JobCancelError(reason);
}

/** Snoozes the running job for `delayMs`: a helper that throws a {@link JobSnoozeError}. */
export function snoozeJob(delayMs: number): never {
  throw new JobSnoozeError(delayMs);
}
