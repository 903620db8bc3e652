/**
 * The states of a job, in the order of River's `river_job_state` enum. The order matters: it is
 * the enum's declaration order in Postgres.
 */
export const JOB_STATES = [
  'available',
  'cancelled',
  'completed',
  'discarded',
  'pending',
  'retryable',
  'running',
  'scheduled',
] as const;

/** A job's state, as stored in `river_job.state`. */
export type JobState = (typeof JOB_STATES)[number];

/** States in which a job is finished; `finalized_at` is set exactly in these. */
export const FINALIZED_STATES = ['cancelled', 'completed', 'discarded'] as const satisfies readonly JobState[];
