import { ValidationError, type ValidationIssue } from './errors.js';
import { unstorableTextIssues } from './insert/unstorable-text.js';
import type { JobRow } from './job-row.js';
import { isPlainObject, jsonIssues, type JsonObject } from './json-value.js';

/** A job's progress, as `ctx.progress()` takes it: a number from 0 to 100 (a percentage), or a JSON object. */
export type JobProgress = number | JsonObject;

/** The metadata key holding a job's last reported progress. */
export const PROGRESS_METADATA_KEY = 'progress';
/** Most characters of a progress object as JSON: it is written again on every report. */
export const MAX_PROGRESS_JSON_LENGTH = 32 * 1024;

const describe = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'number' ? String(value) : `a ${typeof value}`);

/**
 * The progress as JSON text, ready to store. @throws ValidationError naming the bad field
 * (`progress`, `progress.eta`): a number that is NaN, infinite or outside 0..100, anything but
 * a number or a plain object, a value JSON cannot carry, text Postgres cannot store, or more
 * than {@link MAX_PROGRESS_JSON_LENGTH} characters.
 */
export function progressJson(value: unknown): string {
  const issues: ValidationIssue[] = [];
  if (typeof value === 'number') {
    if (!(Number.isFinite(value) && value >= 0 && value <= 100)) issues.push({ path: 'progress', message: `must be a number from 0 to 100, got ${value}` });
  } else if (!isPlainObject(value)) {
    issues.push({ path: 'progress', message: `must be a number from 0 to 100 or a JSON object, got ${describe(value)}` });
  } else {
    jsonIssues(value, 'progress', issues);
  }
  if (issues.length > 0) throw new ValidationError('ctx.progress()', issues);
  const json = JSON.stringify(value);
  issues.push(...unstorableTextIssues(value, json, 'progress'));
  if (json.length > MAX_PROGRESS_JSON_LENGTH) {
    issues.push({ path: 'progress', message: `is ${json.length.toLocaleString('en-US')} characters as JSON; at most ${MAX_PROGRESS_JSON_LENGTH.toLocaleString('en-US')}` });
  }
  if (issues.length > 0) throw new ValidationError('ctx.progress()', issues);
  return json;
}

/**
 * A job's last reported progress (`metadata.progress`), or undefined when it reported none (or
 * another client stored something that is neither a number nor an object there).
 */
export function jobProgress(job: Pick<JobRow<unknown>, 'metadata'>): JobProgress | undefined {
  const value = job.metadata[PROGRESS_METADATA_KEY];
  return typeof value === 'number' || isPlainObject(value) ? (value as JobProgress) : undefined;
}
