import { TributaryError } from '../errors.js';

/**
 * Thrown by an administration action (`jobCancel`, `jobRetry`, `jobDelete`, `queuePause`,
 * `queueResume`, `sequenceResume`) given a job id, queue name or sequence key that does not exist. Lookups (`jobGet`,
 * `queueGet`) return `undefined` instead.
 */
export class NotFoundError extends TributaryError {
  override name = 'NotFoundError';

  constructor(
    /** What was looked for. */
    readonly what: 'job' | 'queue' | 'sequence' | 'workflow',
    /** The job id, queue name or sequence key. */
    readonly key: number | string,
  ) {
    super(
      what === 'job'
        ? `job ${key} not found`
        : what === 'queue'
          ? `queue ${JSON.stringify(key)} not found: no client works it and it has no river_queue row`
          : what === 'workflow'
            ? `workflow ${JSON.stringify(key)} not found: it has no task`
            : `sequence ${JSON.stringify(key)} not found: none of its jobs is waiting, running or halting it`,
    );
  }
}

/** Thrown by `jobDelete` for a running job: cancel it first, and delete it once it has stopped. */
export class JobRunningError extends TributaryError {
  override name = 'JobRunningError';

  constructor(readonly jobId: number) {
    super(`job ${jobId} is running and cannot be deleted: cancel it with jobCancel() first, then delete it once it has stopped`);
  }
}
