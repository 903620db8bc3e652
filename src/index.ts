export { Client, type InsertManyItem } from './client.js';
export { CLIENT_DEFAULTS, type ClientConfig, type QueueConfig } from './client-config.js';
export type { ConcurrencyLimit, LimitPartition, RateLimit } from './flow/limits-config.js';
export type { PgPool, PgPoolClient } from './sql/pg-pool.js';
export type { DrizzleHandle } from './drizzle-handle.js';
export { MissingTablesError, QueryFailedError, TributaryError, ValidationError, type ValidationIssue } from './errors.js';
export type { InsertResult } from './insert/insert-jobs.js';
export { INSERT_DEFAULTS, type InsertOpts, type Priority, type UniqueConflict, type UniqueOpts } from './insert/opts.js';
export { DEFAULT_UNIQUE_STATES } from './insert/unique-key.js';
export { defineJob, type AnyJobDefinition, type JobArgs, type JobArgsInput, type JobDefinition } from './job.js';
export type { AttemptError, JobRow } from './job-row.js';
export type { JsonObject, JsonValue } from './json-value.js';
export type { InsertMiddlewareContext, Middleware, WorkMiddlewareContext } from './middleware.js';
export { migrate, type MigrateOptions, type MigrateResult } from './migrate/migrate.js';
export { JOB_STATES, type JobState } from './schema/job-state.js';
export type { ClientEventName, ClientEvents, JobEvent, JobProgressEvent, QueueEvent } from './events.js';
export { jobProgress, MAX_PROGRESS_JSON_LENGTH, type JobProgress } from './job-progress.js';
export { PROGRESS_WRITE_INTERVAL_MS } from './runtime/progress-throttle.js';
export { cancelJob, JobCancelError, JobSnoozeError, snoozeJob } from './job-control.js';
export { defaultLogger, type Logger } from './logger.js';
export { defaultRetryPolicy, type RetryPolicy } from './retry-policy.js';
export { JobArgsError, JobTimeoutError, type ErrorHandler, type ErrorHandlerResult } from './runtime/executor.js';
export { work, type Worker, type WorkerObject, type WorkerOptions, type WorkContext, type WorkFn } from './worker.js';
export type { Plugin } from './plugin.js';
export type { Clock, MaintenanceContext, MaintenanceService } from './maintenance/service.js';
export { PeriodicRunner, type PeriodicRunnerOptions } from './maintenance/periodic-runner.js';
export {
  periodicJob, MIN_PERIODIC_EVERY_MS, type PeriodicJob, type PeriodicJobConstructor, type PeriodicJobInsert, type PeriodicJobOpts,
  type PeriodicSchedule, type PeriodicTick,
} from './maintenance/periodic-job.js';
export { MAINTENANCE_DEFAULTS, type MaintenanceOptions, type ReindexOptions } from './maintenance/maintenance-options.js';
export type { JobRetention } from './maintenance/job-cleaner.js';
export { LEADERSHIP_DEFAULTS } from './maintenance/elector.js';
export type { LeaderEvent } from './events.js';
export {
  JobRunningError, NotFoundError, JOB_LIST_DEFAULT_LIMIT, JOB_LIST_MAX_LIMIT, QUEUE_LIST_DEFAULT_LIMIT, QUEUE_LIST_MAX_LIMIT,
  type JobListParams, type JobListResult, type QueueListParams, type QueueRow, type QueueStats, type QueueStatsParams,
} from './admin/index.js';
export {
  SEQUENCE_LIST_DEFAULT_LIMIT, SEQUENCE_LIST_MAX_LIMIT, type Sequence, type SequenceJob, type SequenceListParams, type SequenceResumeResult,
} from './admin/index.js';
export {
  SEQUENCE_DONE_LOOKBACK_IDS, SEQUENCE_JOBS_DEFAULT_LIMIT, SEQUENCE_JOBS_MAX_LIMIT,
  type SequenceJobEntry, type SequenceJobRole, type SequenceJobsParams, type SequenceJobsResult,
} from './admin/index.js';
export { SEQUENCE_METADATA_KEY, type SequenceOpts } from './insert/sequence-opts.js';
export type { WorkflowActionResult, WorkflowTask, WorkflowView } from './admin/index.js';
export type { PartitionUse, QueueLimits, QueueLimitsParams, RecordedLimits } from './admin/index.js';
export type { StopOptions } from './stop-options.js';
export type { ClientFaults } from './runtime/faults.js';
export { MAX_ERROR_MESSAGE_LENGTH, MAX_ERROR_TRACE_LENGTH } from './runtime/storable-text.js';
export type { WorkerClient } from './worker-client.js';
export { JobFailedError, WaitTimeoutError } from './wait/wait-errors.js';
export type { WaitOptions } from './wait/wait-options.js';
export { MAX_OUTPUT_BYTES, type JobOutput, type JobOutputInput, type JobRowOf } from './job.js';
export { JobOutputError } from './runtime/executor.js';
export { Workflow, type InsertItems, type WorkflowInsertResult, type WorkflowOpts } from './workflow/workflow.js';
export { TaskRef } from './workflow/task-ref.js';
export type { AddTaskOpts } from './workflow/graph.js';
export type { WorkflowContext } from './workflow/context.js';
export { WORKFLOW_METADATA_KEY, type WorkflowMetadata } from './workflow/metadata.js';
