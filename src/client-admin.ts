import type { ResolvedClientConfig } from './client-config.js';
import * as admin from './admin/index.js';
import type { JobRow } from './job-row.js';

/**
 * The client's administration methods (src/admin): jobs and queues, through the client's pool.
 * Lookups return undefined for an unknown id or name; actions throw a NotFoundError.
 */
export abstract class ClientAdmin {
  /** The client's resolved options. */
  abstract readonly config: ResolvedClientConfig;

  /** The job with this id, or `undefined`. @throws ValidationError for an id that is not a positive integer. */
  async jobGet(id: number): Promise<JobRow | undefined> {
    return admin.getJob(this.adminContext('jobGet'), id);
  }

  /**
   * One page of jobs matching every filter given, in a stable order (default by id ascending,
   * 100 per page, at most 10,000): `{ jobs, nextCursor }`; pass `nextCursor` back as `cursor`
   * for the next page, until it is `null`.
   * @throws ValidationError naming each bad parameter (an unknown state, a cursor made for
   *   another order, a limit out of range).
   */
  async jobList(params?: admin.JobListParams): Promise<admin.JobListResult> {
    return admin.listJobs(this.adminContext('jobList'), params);
  }

  /**
   * Makes a job available to run now, as River does: `scheduled_at` now, `finalized_at` cleared,
   * and `maxAttempts` raised to `attempt + 1` if its attempts are used up; its queue is notified.
   * A running job, or an available one already due, is returned unchanged. A sequenced job that
   * is pending or finished goes back to `pending` instead, to run when nothing else of its
   * sequence does (before the jobs waiting, being older); its sequence is promoted at once.
   * @returns the job as it is now.
   * @throws NotFoundError for an unknown id; TributaryError when a unique duplicate is waiting.
   */
  async jobRetry(id: number): Promise<JobRow> {
    return admin.retryJob(this.adminContext('jobRetry'), id);
  }

  /**
   * Cancels a job. One that is not running is cancelled at once. A running one, in any process,
   * gets `metadata.cancel_attempted_at` and a `river_control` notification: its `signal` aborts
   * with a JobCancelError and it ends `cancelled` (the returned row is still `running`). A
   * finalized job is returned unchanged.
   * @returns the job as it is now.
   * @throws NotFoundError for an unknown id.
   */
  async jobCancel(id: number): Promise<JobRow> {
    return admin.cancelJob(this.adminContext('jobCancel'), id);
  }

  /**
   * Deletes a job that is not running.
   * @returns the deleted job.
   * @throws JobRunningError for a running job (cancel it first); NotFoundError for an unknown id.
   */
  async jobDelete(id: number): Promise<JobRow> {
    return admin.deleteJob(this.adminContext('jobDelete'), id);
  }

  /** Queues (rows of `river_queue`) in name order, at most `limit` (default 100). */
  async queueList(params?: admin.QueueListParams): Promise<admin.QueueRow[]> {
    return admin.listQueues(this.adminContext('queueList'), params);
  }

  /** The queue named `name`, or `undefined`. */
  async queueGet(name: string): Promise<admin.QueueRow | undefined> {
    return admin.getQueue(this.adminContext('queueGet'), name);
  }

  /**
   * Pauses a queue, or every queue with `'*'`, in every client working it: they finish running
   * jobs and fetch no more until resumed. Persisted in `river_queue.paused_at`, so clients that
   * start later stay paused too. Pausing a paused queue is harmless.
   * @throws NotFoundError for a queue with no `river_queue` row (no client has worked it).
   */
  async queuePause(name: string): Promise<void> {
    return admin.pauseQueue(this.adminContext('queuePause'), name);
  }

  /** Resumes a queue, or every queue with `'*'`, the reverse of {@link queuePause}. */
  async queueResume(name: string): Promise<void> {
    return admin.resumeQueue(this.adminContext('queueResume'), name);
  }

  /**
   * Jobs per queue and state, with whether each queue is paused, in queue name order: for
   * dashboards and metrics exporters. Counts every job of the chosen queues (one scan).
   */
  async queueStats(params?: admin.QueueStatsParams): Promise<admin.QueueStats[]> {
    return admin.getQueueStats(this.adminContext('queueStats'), params);
  }

  /**
   * Sequences with a job that is not completed (waiting, running, or halted), in key order, at
   * most `limit` (default 100): each with its status, the job holding it, the job halting it,
   * how many wait and which runs next. Pass the last key as `after` for the next page.
   * @throws ValidationError naming each bad parameter.
   */
  async sequenceList(params?: admin.SequenceListParams): Promise<admin.Sequence[]> {
    return admin.listSequences(this.adminContext('sequenceList'), params);
  }

  /** The sequence with this key (`metadata["tributary:sequence"].key` of its jobs), or `undefined` when none of its jobs waits, runs or halts it. */
  async sequenceGet(key: string): Promise<admin.Sequence | undefined> {
    return admin.getSequence(this.adminContext('sequenceGet'), key);
  }

  /**
   * A sequence's jobs in run (id) order, each with its role: `done`, `current` (holding it),
   * `halting`, `skipped` (cancelled or discarded without halting it) and `waiting`; with where the
   * sequence stands (as `sequenceGet`). At most `limit` (default 50, at most 1,000) of each of
   * the completed, the cancelled and discarded, the current and the waiting jobs: the first
   * waiting, the newest others. Completed jobs are not indexed by sequence, so only those among the
   * {@link admin.SEQUENCE_DONE_LOOKBACK_IDS} (10,000) jobs inserted before where it stands are listed.
   * @throws ValidationError for a key that is not a sequence key, or a bad limit.
   */
  async sequenceJobs(key: string, params?: admin.SequenceJobsParams): Promise<admin.SequenceJobsResult> {
    return admin.listSequenceJobs(this.adminContext('sequenceJobs'), key, params);
  }

  /**
   * Resumes a halted sequence past the cancelled or discarded job halting it, without running
   * that job again (to run it again, `jobRetry` it instead): the job stays as it is, marked
   * `resumed_at`, and the next job is made available at once. Resuming a sequence that is not
   * halted changes nothing.
   * @returns the ids moved past and the sequence as it is now.
   * @throws NotFoundError for a key with no job waiting, running or halting it.
   */
  async sequenceResume(key: string): Promise<admin.SequenceResumeResult> {
    return admin.resumeSequence(this.adminContext('sequenceResume'), key);
  }

  /**
   * Each queue with concurrency or rate limits: the limits recorded by the last client that
   * started working it (`river_queue.metadata['tributary:limits']`), and its use now per
   * partition: jobs running (prefetched ones included, in every client) and jobs started in the
   * current rate window. Queues no limited client has worked are not listed.
   * @throws ValidationError for a bad queue name.
   */
  async queueLimits(params?: admin.QueueLimitsParams): Promise<admin.QueueLimits[]> {
    return admin.getQueueLimits(this.adminContext('queueLimits'), params);
  }

  /**
   * A workflow (by the id `wf.insert` returned, or `metadata["tributary:workflow"].id` of its
   * tasks): its name, overall state, counts by state, and each task with its deps and job, in
   * insert order; or `undefined` when no task has this id.
   */
  async workflowGet(id: string): Promise<admin.WorkflowView | undefined> {
    return admin.getWorkflow(this.adminContext('workflowGet'), id);
  }

  /**
   * Retries a workflow's failed tasks: each that ran and ended cancelled or discarded is made
   * available now (as `jobRetry` does), and the dependents cancelled on its account (cancelled
   * before they ran) wait again as `pending`, released as their dependencies complete. In one
   * transaction. A workflow with no failed task is left as it is.
   * @returns how many tasks it retried (`changed`) and made wait again (`waiting`), and the workflow as it is now.
   * @throws NotFoundError for an unknown id.
   */
  async workflowRetry(id: string): Promise<admin.WorkflowActionResult> {
    return admin.retryWorkflow(this.adminContext('workflowRetry'), id);
  }

  /**
   * Cancels every unfinished task of a workflow, in one transaction: waiting ones at once, running
   * ones as `jobCancel` does (their signal aborts, wherever they run, and they end cancelled).
   * Finished tasks are left as they are.
   * @returns how many it cancelled at once (`changed`) and asked to stop (`waiting`), and the workflow as it is now.
   * @throws NotFoundError for an unknown id.
   */
  async workflowCancel(id: string): Promise<admin.WorkflowActionResult> {
    return admin.cancelWorkflow(this.adminContext('workflowCancel'), id);
  }

  private adminContext(method: string): admin.AdminContext {
    return admin.adminContext(this.config, method);
  }
}
