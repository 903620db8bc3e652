/**
 * `tributary-queue/schema`: the queue's tables as Drizzle declarations. Re-export them from your own
 * Drizzle schema (`export * from 'tributary-queue/schema'`) and `drizzle-kit generate` writes the
 * queue's migrations next to your application's.
 *
 * This module only declares; it never runs anything.
 */
import { createSchema } from './create-schema.js';

export { createSchema, type CreateSchemaOptions, type TributarySchema } from './create-schema.js';
export { JOB_STATES, type JobState } from './job-state.js';

const defaults = createSchema();

/** The enum `river_job_state`. */
export const riverJobState = defaults.riverJobState;
/** The table `river_job`: one row per job. */
export const riverJob = defaults.riverJob;
/** The table `river_queue`: one row per queue that a client has worked. */
export const riverQueue = defaults.riverQueue;
/** The table `river_leader`: the one row naming the client that runs maintenance. */
export const riverLeader = defaults.riverLeader;
/** The table `river_migration`: River's own migration tracking, kept for River's migrator. */
export const riverMigration = defaults.riverMigration;
/** The table `river_notification`: River's notification outbox (migration 007); Tributary leaves it to River. */
export const riverNotification = defaults.riverNotification;
/**
 * The table `tributary_client`: Tributary's own (not River's), one row per working client with
 * its last heartbeat, so the jobs of a client that died are retried within a minute.
 */
export const tributaryClient = defaults.tributaryClient;
/**
 * The table `tributary_queue_sample`: Tributary's own, one row per queue and minute with the jobs
 * completed, failed and discarded in it and the queue's depth, kept about a day for the web UI's
 * dashboard.
 */
export const tributaryQueueSample = defaults.tributaryQueueSample;
