import { JobCancelError, JobSnoozeError } from '../job-control.js';
import { attemptErrorOf, type JobRow } from '../job-row.js';
import type { JobState } from '../schema/job-state.js';
import type { JobOutcomeRow } from '../sql/job-set-state-many.js';
import type { JobInsertRow } from '../sql/job-insert-many.js';
import { storableMessage, storableTrace } from './storable-text.js';
import { workflowOf, type WorkflowMetadata } from '../workflow/metadata.js';

/** What one run of a worker came to, before it is written. */
export type Outcome =
  | { type: 'completed'; output?: string; tasks?: JobInsertRow[] }
  | { type: 'failed'; error: Error; retryInMs: number; discard: boolean }
  | { type: 'cancelled'; error: Error }
  | { type: 'snoozed'; error: JobSnoozeError };

/** Turns whatever a worker threw into an Error, keeping the original as `cause`. */
export function asError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  let text: string;
  try {
    text = typeof thrown === 'string' ? thrown : JSON.stringify(thrown) ?? String(thrown);
  } catch {
    // Circular, a BigInt, or a toJSON that throws; String() itself throws for a null prototype.
    try {
      text = String(thrown);
    } catch {
      text = Object.prototype.toString.call(thrown);
    }
  }
  return new Error(`non-Error thrown: ${text}`, { cause: thrown });
}

/**
 * The longest retry or snooze delay stored, 100 years: a longer one would overflow a JavaScript
 * date, and a row the completer cannot build is an outcome lost.
 */
export const MAX_DELAY_MS = 100 * 365.25 * 86_400_000;

const laterBy = (now: Date, ms: number) => new Date(now.getTime() + Math.min(Math.max(ms, 0), MAX_DELAY_MS));

export const isCancel = (error: unknown): error is JobCancelError => error instanceof JobCancelError;
export const isSnooze = (error: unknown): error is JobSnoozeError => error instanceof JobSnoozeError;

/** Whether other tasks may wait for this one: it lists some, or does not say (an older client wrote it). */
const waitedOn = (task: WorkflowMetadata): boolean => !Array.isArray(task.dependents) || task.dependents.length > 0;

/** The row the completer writes for an outcome, timestamps from the client's clock. */
export function outcomeRow(job: JobRow<unknown>, outcome: Outcome, now: Date): JobOutcomeRow {
  // Nearly every outcome: built in one literal, without the spreads and closure below.
  const task = workflowOf(job.metadata);
  const workflow = task?.id;
  if (outcome.type === 'completed') {
    const row: JobOutcomeRow = { id: job.id, attempt: job.attempt, finalized_at: now.toISOString(), scheduled_at: null, error: null, snoozed: false, state: 'completed' };
    if (outcome.output !== undefined) row.output = outcome.output;
    if (outcome.tasks !== undefined) row.tasks = outcome.tasks;
    if (task !== undefined) {
      row.workflow = task.id;
      row.task = task.task;
      if (waitedOn(task) || outcome.tasks !== undefined) row.waitedOn = true;
      if (Array.isArray(task.dependents) && task.dependents.length > 0) row.dependents = task.dependents.length;
    }
    return row;
  }
  const base = {
    id: job.id, attempt: job.attempt, finalized_at: null, scheduled_at: null, error: null, snoozed: false,
    ...(task === undefined ? {} : { workflow: task.id, task: task.task, ...(waitedOn(task) ? { waitedOn: true } : {}) }),
  };
  // attempted_at and attempted_by, beyond River's four keys (its clients ignore unknown ones):
  // River's columns keep only the last attempt's start and no tie from a client to an attempt,
  // so without them a timeline could tell neither how long an earlier attempt ran nor who ran it.
  // Both come from the fetched row: no query is added.
  const errorEntry = (error: Error) => ({
    at: now.toISOString(),
    attempt: job.attempt,
    error: storableMessage(error),
    trace: storableTrace(error),
    attempted_at: job.attemptedAt?.toISOString(),
    attempted_by: job.attemptedBy.at(-1),
  });
  switch (outcome.type) {
    case 'cancelled':
      return { ...base, state: 'cancelled', finalized_at: now.toISOString(), error: errorEntry(outcome.error) };
    case 'snoozed': {
      const at = laterBy(now, outcome.error.delayMs);
      return { ...base, state: outcome.error.delayMs > 0 ? 'scheduled' : 'available', scheduled_at: at.toISOString(), snoozed: true };
    }
    case 'failed': {
      if (outcome.discard) return { ...base, state: 'discarded', finalized_at: now.toISOString(), error: errorEntry(outcome.error) };
      // A retry that is already due goes straight back to available, as in River, so it runs
      // without waiting for the scheduler.
      const state: JobState = outcome.retryInMs > 0 ? 'retryable' : 'available';
      const at = laterBy(now, outcome.retryInMs);
      return { ...base, state, scheduled_at: at.toISOString(), error: errorEntry(outcome.error) };
    }
  }
}

/** The job as the completer wrote it: the fetched row with an outcome row applied. */
export function applyOutcomeRow(job: JobRow<unknown>, row: JobOutcomeRow): JobRow<unknown> {
  const stored = {
    ...job,
    state: row.state,
    finalizedAt: row.finalized_at ? new Date(row.finalized_at) : null,
    scheduledAt: row.scheduled_at ? new Date(row.scheduled_at) : job.scheduledAt,
  };
  if (row.error) {
    stored.errors = [...job.errors, attemptErrorOf(row.error)];
  }
  if (row.output !== undefined && row.state === 'completed') {
    const output: unknown = JSON.parse(row.output);
    stored.metadata = { ...job.metadata, output };
    stored.output = output;
  }
  if (row.snoozed) {
    stored.attempt = Math.max(job.attempt - 1, 0);
    stored.metadata = { ...job.metadata, snoozes: Number((job.metadata as { snoozes?: unknown }).snoozes ?? 0) + 1 };
  }
  return stored;
}
