/**
 * `tributary-queue/testing`: helpers for an application's own tests. Assert which jobs a piece of code
 * inserted, and work a job in-process inside a test transaction.
 */
export { requireInserted, requireManyInserted, requireNotInserted, JobAssertionError, type ExpectedJob, type TestingOptions } from './require-inserted.js';
export type { JobFilter } from './job-filter.js';
export { testWorker, type TestWorker, type TestWorkerOptions, type TestWorkResult, type TestWorkResultKind } from './test-worker.js';
