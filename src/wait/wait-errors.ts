import { TributaryError } from '../errors.js';
import type { AttemptError, JobRow } from '../job-row.js';

/**
 * Thrown by `client.waitFor()` when the job ended `discarded` or `cancelled`: `job` is the row as
 * stored, `lastError` its last recorded error (undefined for a job cancelled before it ever ran,
 * or finalized by a client that recorded none).
 */
export class JobFailedError extends TributaryError {
  override name = 'JobFailedError';
  /** The last entry of `job.errors`, if any. */
  readonly lastError: AttemptError | undefined;

  constructor(
    /** The job as stored, finalized. */
    readonly job: JobRow<unknown>,
  ) {
    const lastError = job.errors.at(-1);
    super(`job ${job.id} (${job.kind}) was ${job.state}${lastError ? `: ${lastError.error}` : ''}`);
    this.lastError = lastError;
  }
}

/** Thrown by `client.waitFor()` when its `timeout` passed before the job was finalized. */
export class WaitTimeoutError extends TributaryError {
  override name = 'WaitTimeoutError';

  constructor(
    readonly jobId: number,
    /** The timeout given, in ms. */
    readonly timeoutMs: number,
  ) {
    super(`job ${jobId} was not finalized within ${timeoutMs} ms (waitFor's timeout); it may still run`);
  }
}
