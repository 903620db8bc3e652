import { sqlState } from '../drizzle-handle.js';
import { TributaryError } from '../errors.js';
import { jobRowFromJson, type JobRow } from '../job-row.js';
import { jobCancel } from '../sql/job-cancel.js';
import { jobDelete } from '../sql/job-delete.js';
import { jobGet } from '../sql/job-get.js';
import { jobRetry } from '../sql/job-retry.js';
import type { Query } from '../sql/query.js';
import { adminQuery, type AdminContext } from './admin-context.js';
import { JobRunningError, NotFoundError } from './admin-errors.js';
import { assertJobId } from './admin-input.js';
import { afterJobChanged } from './sequence-admin.js';
import { afterWorkflowTaskChanged } from './workflow-admin.js';

const UNIQUE_VIOLATION = '23505';

async function firstRow(ctx: AdminContext, statement: Query): Promise<Record<string, any> | undefined> {
  return (await adminQuery(ctx, statement))[0];
}

const toJob = (row: Record<string, any>): JobRow => jobRowFromJson(JSON.parse(String(row.job)));

/** The job with this id, or undefined. */
export async function getJob(ctx: AdminContext, id: number): Promise<JobRow | undefined> {
  assertJobId('jobGet', id);
  const row = await firstRow(ctx, jobGet({ schema: ctx.schema, id }));
  return row ? toJob(row) : undefined;
}

/** Makes a job available now; see the client's `jobRetry`. */
export async function retryJob(ctx: AdminContext, id: number): Promise<JobRow> {
  assertJobId('jobRetry', id);
  let row: Record<string, any> | undefined;
  try {
    row = await firstRow(ctx, jobRetry({ schema: ctx.schema, id }));
  } catch (error) {
    // Its unique states leave out where it was (say, discarded), and a duplicate was inserted since.
    if (sqlState(error) === UNIQUE_VIOLATION) {
      throw new TributaryError(`job ${id} cannot be retried: a job with the same unique key is already waiting or running`, { cause: error });
    }
    throw error;
  }
  if (!row) throw new NotFoundError('job', id);
  const job = toJob(row);
  await afterJobChanged(ctx, job);
  await afterWorkflowTaskChanged(ctx, job);
  return job;
}

/** Cancels a job, or asks the client running it to; see the client's `jobCancel`. */
export async function cancelJob(ctx: AdminContext, id: number): Promise<JobRow> {
  assertJobId('jobCancel', id);
  const row = await firstRow(ctx, jobCancel({ schema: ctx.schema, id }));
  if (!row) throw new NotFoundError('job', id);
  const job = toJob(row);
  await afterJobChanged(ctx, job);
  await afterWorkflowTaskChanged(ctx, job);
  return job;
}

/** Deletes a job that is not running; see the client's `jobDelete`. */
export async function deleteJob(ctx: AdminContext, id: number): Promise<JobRow> {
  assertJobId('jobDelete', id);
  const row = await firstRow(ctx, jobDelete({ schema: ctx.schema, id }));
  if (!row) throw new NotFoundError('job', id);
  if (!row.deleted) throw new JobRunningError(id);
  const job = toJob(row);
  await afterJobChanged(ctx, job);
  await afterWorkflowTaskChanged(ctx, job);
  return job;
}
