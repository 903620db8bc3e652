import type { ValidationIssue } from '../errors.js';
import { isPlainObject } from '../json-value.js';
import type { JobListTimeColumn } from '../sql/job-list.js';

/** Where a page ended, and the order it was read in: a cursor is valid only for that order. */
export interface JobListPosition {
  /** The sort column, or `'id'` when ordered by id alone. */
  column: JobListTimeColumn | 'id';
  order: 'asc' | 'desc';
  id: number;
  /** The sort column's value, microsecond-exact text from Postgres; null when ordered by id. */
  time: string | null;
}

const COLUMNS = new Set(['id', 'scheduled_at', 'attempted_at', 'finalized_at']);

/** Encodes a position as an opaque, URL-safe string. */
export function encodeCursor(position: JobListPosition): string {
  const { column: c, order: o, id, time: t } = position;
  return Buffer.from(JSON.stringify({ v: 1, c, o, id, t })).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}, or returns the issue with it. */
export function decodeCursor(cursor: unknown, path: string): JobListPosition | ValidationIssue {
  const bad = { path, message: 'is not a cursor returned by jobList (pass nextCursor as it came)' };
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 1000) return bad;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return bad;
  }
  if (!isPlainObject(value) || value.v !== 1) return bad;
  const { c, o, id, t } = value;
  const validTime = t === null || (typeof t === 'string' && Number.isFinite(Date.parse(t)));
  if (typeof c !== 'string' || !COLUMNS.has(c) || (o !== 'asc' && o !== 'desc') || !Number.isSafeInteger(id) || !validTime) return bad;
  if ((c === 'id') !== (t === null)) return bad;
  return { column: c as JobListPosition['column'], order: o, id: id as number, time: t as string | null };
}
