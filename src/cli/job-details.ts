import type { JobRow } from '../job-row.js';
import { jobProgress } from '../job-progress.js';
import { formatTable, formatTime, indent, jsonReplacer } from './format.js';

/** A job as JSON text: every field, dates in ISO 8601, the unique key in hex. */
export function jobJson(job: JobRow, space?: number): string {
  return JSON.stringify(job, jsonReplacer, space);
}

/** The rows of `jobs list`: one line per job. */
export function jobTable(jobs: readonly JobRow[]): string {
  const rows = jobs.map((j) => [
    String(j.id),
    j.state,
    j.kind,
    j.queue,
    String(j.priority),
    `${j.attempt}/${j.maxAttempts}`,
    formatTime(j.scheduledAt),
    formatTime(j.finalizedAt),
  ]);
  return formatTable(['ID', 'STATE', 'KIND', 'QUEUE', 'PRIORITY', 'ATTEMPT', 'SCHEDULED', 'FINALIZED'], rows, { right: [0, 4, 5] });
}

/** `42%` for a number, compact JSON for an object, `-` for none. */
function progressText(job: JobRow): string {
  const progress = jobProgress(job);
  if (progress === undefined) return '-';
  return typeof progress === 'number' ? `${progress}%` : JSON.stringify(progress);
}

/** `jobs get`: every field, args and metadata as indented JSON, then the errors, oldest first. */
export function jobDetails(job: JobRow, options: { trace?: boolean } = {}): string {
  const fields: [string, string][] = [
    ['state', job.state],
    ['kind', job.kind],
    ['queue', job.queue],
    ['priority', String(job.priority)],
    ['attempt', `${job.attempt} of ${job.maxAttempts}`],
    ['progress', progressText(job)],
    ['created', formatTime(job.createdAt)],
    ['scheduled', formatTime(job.scheduledAt)],
    ['attempted', formatTime(job.attemptedAt)],
    ['finalized', formatTime(job.finalizedAt)],
    ['attempted by', job.attemptedBy.length > 0 ? job.attemptedBy.join(', ') : '-'],
    ['tags', job.tags.length > 0 ? job.tags.join(', ') : '-'],
    ['unique key', job.uniqueKey ? `${job.uniqueKey.toString('hex')} (in ${job.uniqueStates?.join(', ')})` : '-'],
  ];
  const width = Math.max(...fields.map(([name]) => name.length));
  const lines = [`job ${job.id}`, ...fields.map(([name, value]) => `  ${name.padEnd(width)}  ${value}`)];
  lines.push('args:', indent(JSON.stringify(job.args, jsonReplacer, 2)));
  lines.push('metadata:', indent(JSON.stringify(job.metadata, jsonReplacer, 2)));
  lines.push(job.errors.length > 0 ? `errors (${job.errors.length}):` : 'errors: none');
  for (const e of job.errors) {
    lines.push(`  attempt ${e.attempt}  ${formatTime(e.at)}  ${e.error}`);
    if (options.trace && e.trace) lines.push(indent(e.trace, 4));
  }
  if (!options.trace && job.errors.some((e) => e.trace)) lines.push('  (stack traces: --trace)');
  return lines.join('\n');
}
