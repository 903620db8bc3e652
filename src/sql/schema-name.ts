import type { ValidationIssue } from '../errors.js';

// Channels are `<schema>.river_leadership` and Postgres truncates identifiers at 63 bytes.
const MAX_SCHEMA_LENGTH = 63 - '.river_leadership'.length;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Problems with a Postgres schema name for the queue's tables, or none. */
export function schemaNameIssues(value: unknown, path = 'schema'): ValidationIssue[] {
  if (value === undefined) return [];
  if (typeof value === 'string' && SCHEMA_NAME.test(value) && value.length <= MAX_SCHEMA_LENGTH) return [];
  return [{
    path,
    message: `must be a Postgres identifier of letters, digits and "_", at most ${MAX_SCHEMA_LENGTH} characters, got ${JSON.stringify(value)}`,
  }];
}
