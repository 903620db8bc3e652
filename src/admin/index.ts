// The administration functions behind the client's job* and queue* methods.
export { adminContext, type AdminContext } from './admin-context.js';
export { JobRunningError, NotFoundError } from './admin-errors.js';
export { cancelJob, deleteJob, getJob, retryJob } from './job-actions.js';
export { listJobs, type JobListResult } from './job-list.js';
export { JOB_LIST_DEFAULT_LIMIT, JOB_LIST_MAX_LIMIT, type JobListParams } from './job-list-params.js';
export { getQueue, listQueues, pauseQueue, resumeQueue, QUEUE_LIST_DEFAULT_LIMIT, QUEUE_LIST_MAX_LIMIT, type QueueListParams, type QueueRow } from './queue-admin.js';
export { getQueueStats, type QueueStats, type QueueStatsParams } from './queue-stats.js';
export {
  getSequence, listSequences, resumeSequence, SEQUENCE_LIST_DEFAULT_LIMIT, SEQUENCE_LIST_MAX_LIMIT,
  type Sequence, type SequenceJob, type SequenceListParams, type SequenceResumeResult,
} from './sequence-admin.js';
export {
  listSequenceJobs, SEQUENCE_DONE_LOOKBACK_IDS, SEQUENCE_JOBS_DEFAULT_LIMIT, SEQUENCE_JOBS_MAX_LIMIT,
  type SequenceJobEntry, type SequenceJobRole, type SequenceJobsParams, type SequenceJobsResult,
} from './sequence-jobs.js';
export { getQueueLimits, type PartitionUse, type QueueLimits, type QueueLimitsParams, type RecordedLimits } from './queue-limits.js';
export { cancelWorkflow, getWorkflow, retryWorkflow, type WorkflowActionResult, type WorkflowTask, type WorkflowView } from './workflow-admin.js';
