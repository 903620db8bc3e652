import type { JobRow } from './job-row.js';

/** Decides when a failed job runs again: milliseconds from now. */
export type RetryPolicy = (job: JobRow<unknown>) => number;

/**
 * River's default: after the n-th failed attempt, wait n^4 seconds, give or take 10% so that
 * jobs failing together do not come back together.
 */
export const defaultRetryPolicy: RetryPolicy = (job) => {
  const base = Math.max(job.attempt, 1) ** 4 * 1000;
  return Math.round(base * (0.9 + Math.random() * 0.2));
};
